# Reference values for tests/findings/test_describe.py. Run from the repository root:
#   Rscript tests/reference/findings_describe.R
# R 4.2.2, psych 2.2.9, psychTools 2.2.9 (Debian packages).
suppressMessages(library(psych))
source("tests/reference/findings_data.R")
d <- bfi_scales()
columns <- c("agree", "neuro", "age", "A1")
# SPSS's standard errors of skewness and kurtosis, written out (SPSS Statistics Algorithms, DESCRIPTIVES)
se_skew <- function(n) sqrt(6 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
se_kurt <- function(n) 2 * se_skew(n) * sqrt((n^2 - 1) / ((n - 3) * (n + 5)))
rows <- list()
for (g in c(NA, 1, 2)) {
  part <- if (is.na(g)) d else d[d$gender == g, ]
  for (v in columns) {
    x <- part[[v]][!is.na(part[[v]])]
    s <- psych::describe(x, type = 2)  # type 2 = SPSS's G1 and G2
    sw <- shapiro.test(x)
    ks <- suppressWarnings(ks.test(x, "pnorm", mean(x), sd(x)))  # the Lilliefors D (p not used)
    rows[[length(rows) + 1]] <- data.frame(
      variable = v, group = if (is.na(g)) "" else as.character(g), n = s$n, mean = s$mean, sd = s$sd,
      median = median(x), min = s$min, max = s$max, skewness = s$skew, se_skewness = se_skew(s$n),
      kurtosis = s$kurtosis, se_kurtosis = se_kurt(s$n), shapiro_w = unname(sw$statistic),
      shapiro_p = sw$p.value, lilliefors_d = unname(ks$statistic), skew_type3 = psych::describe(x)$skew)
  }
}
out(do.call(rbind, rows), "findings_describe_bfi.csv")
# frequencies of education (with its NAs) and gender
freq <- function(v) {
  x <- d[[v]]
  counts <- table(x, useNA = "no")
  data.frame(variable = v, code = as.numeric(names(counts)), n = as.vector(counts),
             percent_total = 100 * as.vector(counts) / length(x),
             percent_valid = 100 * as.vector(counts) / sum(!is.na(x)), n_missing = sum(is.na(x)))
}
out(rbind(freq("education"), freq("gender")), "findings_frequencies_bfi.csv")
cat("psych", as.character(packageVersion("psych")), "\n")
