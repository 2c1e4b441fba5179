# Reference values for tests/measurement/test_fiml.py: lavaan cfa() with full-information ML (missing = "ml") and
# robust ML (estimator = "MLR") on real public data with genuine or planted missing values.
# Run from the repository root:  Rscript tests/reference/measurement_fiml.R
# Produced with R 4.2.2, lavaan 0.6-14 and semTools 0.5.6 (Debian r-cran-*).
suppressMessages({library(lavaan); library(semTools); library(psych)})
out <- "tests/reference/expected"
measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "gfi",
              "agfi", "nfi", "ifi", "aic", "bic", "logl", "unrestricted.logl", "baseline.chisq", "baseline.df", "npar",
              "ntotal")
robust <- c("chisq.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled", "cfi.robust",
            "tli.robust", "rmsea.robust")

write_fit <- function(fit, name, mlr = FALSE) {
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit)
  key <- c("lhs", "op", "rhs", if ("group" %in% names(pe)) "group")
  ss <- ss[, c(key, "se")]
  names(ss)[names(ss) == "se"] <- "std_all_se"
  pe <- merge(pe, ss, by = key, all.x = TRUE, sort = FALSE)
  write.csv(pe, file.path(out, paste0("fiml_", name, "_estimates.csv")), row.names = FALSE)
  fm <- fitMeasures(fit, c(measures, if (mlr) robust))
  info <- c(npatterns = sum(sapply(lavInspect(fit, "patterns", drop.list.single.group = FALSE), nrow)))
  write.csv(data.frame(measure = c(names(fm), names(info)), value = c(as.numeric(fm), info)),
            file.path(out, paste0("fiml_", name, "_fit.csv")), row.names = FALSE)
}

# Holzinger & Swineford (1939) with planted missing values (the data written here are what the tests read).
hs <- read.csv(file.path(out, "holzinger_swineford_1939.csv"))
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
x <- paste0("x", 1:9)
set.seed(20261201)
mcar <- hs
mcar[, x][matrix(runif(301 * 9) < 0.12, 301, 9)] <- NA
# MAR: x1 and x4 always observed; the lower a child's x1 (visual) or x4 (textual), the likelier the rest is missing.
mar <- hs
z <- as.numeric(scale(hs$x1) + scale(hs$x4))
for (item in c("x2", "x3", "x5", "x6", "x7", "x8", "x9")) mar[[item]][runif(301) < plogis(-2 - 0.9 * z)] <- NA
write.csv(mcar, file.path(out, "fiml_hs_mcar_data.csv"), row.names = FALSE, na = "")
write.csv(mar, file.path(out, "fiml_hs_mar_data.csv"), row.names = FALSE, na = "")
write_fit(cfa(hs_model, data = mcar, missing = "ml"), "hs_mcar")
write_fit(cfa(hs_model, data = mar, missing = "ml"), "hs_mar")
write_fit(cfa(hs_model, data = mcar, missing = "ml", estimator = "MLR"), "hs_mcar_mlr", mlr = TRUE)
write_fit(cfa(hs_model, data = mar, missing = "ml", estimator = "MLR"), "hs_mar_mlr", mlr = TRUE)
write_fit(cfa(hs_model, data = hs, estimator = "MLR"), "hs_mlr", mlr = TRUE)  # complete data
# FIML multi-group invariance by school
inv <- do.call(rbind, lapply(list(configural = "", metric = "loadings",
                                  scalar = c("loadings", "intercepts")), function(eq) {
  f <- cfa(hs_model, data = mcar, missing = "ml", group = "school", group.equal = eq)
  fm <- fitMeasures(f, measures)
  as.data.frame(as.list(setNames(as.numeric(fm), names(fm))))
}))
write.csv(cbind(model = rownames(inv), inv), file.path(out, "fiml_invariance_hs_mcar.csv"), row.names = FALSE)
# two-group MLR with equal loadings, complete (lavaan's default missing = "listwise") and incomplete data
write_fit(cfa(hs_model, data = hs, group = "school", group.equal = "loadings", estimator = "MLR"), "hs_metric_mlr",
          mlr = TRUE)
write_fit(cfa(hs_model, data = mcar, group = "school", group.equal = "loadings", estimator = "MLR", missing = "ml"),
          "hs_mcar_metric_mlr", mlr = TRUE)

# psych's bfi: 25 items with genuine missing values, reverse-keyed items recoded 7 - x.
source("tests/reference/bfi_items.R")  # bfi_items, bfi_model
bfi_fit <- cfa(bfi_model, data = bfi_items, missing = "ml")
write_fit(bfi_fit, "bfi")
write_fit(cfa(bfi_model, data = bfi_items, missing = "ml", estimator = "MLR"), "bfi_mlr", mlr = TRUE)
rel <- compRelSEM(bfi_fit)
ave <- AVE(bfi_fit)
write.csv(data.frame(factor = names(rel), cr = as.numeric(rel), ave = as.numeric(ave[names(rel)])),
          file.path(out, "fiml_bfi_cr_ave.csv"), row.names = FALSE)
ht <- htmt(bfi_model, data = bfi_items, missing = "ml")
write.csv(data.frame(factor = rownames(ht), ht, check.names = FALSE), file.path(out, "fiml_bfi_htmt.csv"),
          row.names = FALSE)

cat("lavaan", as.character(packageVersion("lavaan")), "semTools", as.character(packageVersion("semTools")), "\n")
