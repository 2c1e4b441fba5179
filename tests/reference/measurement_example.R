# Reference values for tests/test_report.py: the measurement table of the bundled case school's parents
# (data/example), read straight from the 问卷星 按序号 download with readxl, keeping the respondents hsc's screening
# kept. The excluded ids were written by
#   uv run hsc screen data/example/*_按序号_*.xlsx --instrument surveys/parent.yaml --study data/example/study.yaml -o DIR
# (DIR/exclusions.csv copied to tests/reference/expected/example_parent_exclusions.csv; the test checks that the
# screening still excludes exactly these). Per construct: psych::alpha and psych::omega(nfactors = 1) on the complete
# rows of that construct (listwise, SPSS's choice) and ordinal α from psych::polychoric; one lavaan::cfa of all
# constructs by full-information ML (missing = "ml": every kept parent, as hsc's cfa_missing: fiml default) with
# fitMeasures, semTools::compRelSEM, AVE and htmt of its EM covariances; its parameter estimates go to
# example_parent_fiml_estimates.csv, and the listwise fit's loadings (lavaan's default) to
# example_parent_listwise_loadings.csv for the comparison in the README.
# Run from the repository root:  Rscript tests/reference/measurement_example.R
# Produced with R 4.2.2, psych 2.2.9, lavaan 0.6-14, semTools 0.5.6, readxl, yaml (Debian r-cran-* packages).
suppressMessages({library(psych); library(lavaan); library(semTools)})
source("tests/reference/example_parent.R")  # inst, raw, items, codes (keyed) of the bundled 按序号 file
excluded <- read.csv("tests/reference/expected/example_parent_exclusions.csv", fileEncoding = "UTF-8-BOM")
kept <- as.data.frame(codes[!(raw[["序号"]] %in% excluded$respondent_id), ])
constructs <- names(inst$constructs)
reliability <- do.call(rbind, lapply(constructs, function(cn) {
  block <- na.omit(kept[, items$id[items$construct == cn], drop = FALSE])
  a <- alpha(block, warnings = FALSE)
  o <- suppressWarnings(suppressMessages(omega(block, nfactors = 1, flip = FALSE, plot = FALSE)))
  rho <- suppressWarnings(polychoric(block)$rho)
  data.frame(construct = cn, n = nrow(block), alpha = a$total$raw_alpha, ci_low = a$feldt$lower.ci[[1]],
             ci_high = a$feldt$upper.ci[[1]], omega_total = o$omega.tot,
             ordinal_alpha = alpha(rho, warnings = FALSE)$total$std.alpha)
}))
model <- paste(sapply(constructs, function(cn) paste(cn, "=~", paste(items$id[items$construct == cn], collapse = " + "))),
               collapse = "\n")
fit <- cfa(model, data = kept, missing = "ml")
pe <- parameterEstimates(fit, standardized = TRUE)
write.csv(pe, "tests/reference/expected/example_parent_fiml_estimates.csv", row.names = FALSE)
listwise <- parameterEstimates(cfa(model, data = kept), standardized = TRUE)
write.csv(listwise[listwise$op == "=~", ], "tests/reference/expected/example_parent_listwise_loadings.csv",
          row.names = FALSE)
cr <- compRelSEM(fit)
ave <- AVE(fit)
# HTMT of the saturated-model ML (EM) covariances of the FIML fit: what htmt(missing = "ml") estimates, without
# lavCor's direct optimisation of all 1,377 moments (hours here)
h <- htmt(model, sample.cov = lavInspect(fit, "sampstat.h1")$cov)
h[upper.tri(h, diag = TRUE)] <- NA
max_htmt <- sapply(constructs, function(cn) max(c(h[cn, ], h[, cn]), na.rm = TRUE))
fm <- fitMeasures(fit, c("ntotal", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"))
out <- data.frame(reliability, cr = cr[constructs], ave = ave[constructs], max_htmt = max_htmt,
                  cfa_n = fm[["ntotal"]], cfa_chisq = fm[["chisq"]], cfa_df = fm[["df"]], cfa_p_value = fm[["pvalue"]],
                  cfa_cfi = fm[["cfi"]], cfa_tli = fm[["tli"]], cfa_rmsea = fm[["rmsea"]], cfa_srmr = fm[["srmr"]])
write.csv(out, "tests/reference/expected/example_parent_measurement.csv", row.names = FALSE)
cat("psych", as.character(packageVersion("psych")), "lavaan", as.character(packageVersion("lavaan")),
    "semTools", as.character(packageVersion("semTools")), "\n")
