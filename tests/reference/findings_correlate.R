# Reference values for tests/findings/test_correlate.py. Run from the repository root:
#   Rscript tests/reference/findings_correlate.R
# R 4.2.2 stats::cor.test (Spearman with exact = FALSE: the t approximation).
source("tests/reference/findings_data.R")
d <- bfi_scales()
columns <- c("agree", "consc", "extra", "neuro", "open", "age")
rows <- list()
for (policy in c("pairwise", "listwise")) {
  data <- if (policy == "listwise") na.omit(d[, columns]) else d[, columns]
  for (method in c("pearson", "spearman")) for (i in 2:length(columns)) for (j in 1:(i - 1)) {
    x <- data[[columns[i]]]; y <- data[[columns[j]]]; keep <- !is.na(x) & !is.na(y)
    t <- suppressWarnings(cor.test(x[keep], y[keep], method = method, exact = FALSE))
    rows[[length(rows) + 1]] <- data.frame(
      nan_policy = policy, method = method, variable_1 = columns[i], variable_2 = columns[j],
      r = unname(t$estimate), p_value = t$p.value, n = sum(keep),
      ci_low = if (method == "pearson") t$conf.int[1] else NA, ci_high = if (method == "pearson") t$conf.int[2] else NA)
  }
}
out(do.call(rbind, rows), "findings_correlation_bfi.csv")
