# Reference values for the standardised path coefficients of PROCESS models 4 and 6 (tests/findings/test_process.py):
# psychTools::bfi scale sums (psych's keyed items, complete cases) with age and gender as covariates, as in
# findings_process.R. Two independent routes:
# - PROCESS-style: lm() on scale()d variables (every variable z-scored on the analysed cases), each equation including
#   the total-effect model; its slopes are b * sd(x) / sd(y)
# - lavaan::standardizedSolution(type = "std.all") of the same path model fitted by ML (saturated: the parallel
#   mediators' residuals correlate), whose std.all uses the model-implied SDs, here the sample's
# Run from the repository root:  Rscript tests/reference/findings_process_standardised.R   (a few seconds)
# Produced with R 4.2.2, lavaan 0.6-14, psychTools 2.2.9, jsonlite 1.8.4 (Debian r-cran-* packages).
suppressMessages({library(lavaan); library(jsonlite)})
out <- "tests/reference/expected/"
data(bfi, package = "psychTools")
keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"), consc = c("C1", "C2", "C3", "-C4", "-C5"),
  extra = c("-E1", "-E2", "E3", "E4", "E5"), neuro = c("N1", "N2", "N3", "N4", "N5"),
  open = c("O1", "-O2", "O3", "O4", "-O5"))  # not analysed: in the complete-case rule, as in findings_process.R
score <- function(k) {
  x <- bfi[, sub("-", "", k)]
  reversed <- startsWith(k, "-")
  x[, reversed] <- 7 - x[, reversed]
  rowSums(x)  # NA when any item is missing
}
d <- na.omit(data.frame(lapply(keys, score), age = bfi$age, gender = bfi$gender))
z <- as.data.frame(scale(d))  # z-scores on the analysed cases

scaled <- function(formula, outcome) {
  fit <- lm(formula, z)
  est <- coef(fit)[-1]
  data.frame(outcome = outcome, term = names(est), std_estimate = unname(est))
}
std_all <- function(fit) {
  s <- standardizedSolution(fit, type = "std.all")
  s <- s[s$op == "~", ]
  data.frame(outcome = s$lhs, term = s$rhs, std_estimate = s$est.std)
}

model4 <- "
  consc ~ neuro + age + gender
  agree ~ neuro + age + gender
  consc ~~ agree
  extra ~ neuro + consc + agree + age + gender"  # the mediators' residuals correlate: saturated, as PROCESS's OLS
model6 <- "
  consc ~ neuro + age + gender
  agree ~ neuro + consc + age + gender
  extra ~ neuro + consc + agree + age + gender"
total <- scaled(extra ~ neuro + age + gender, "extra (total)")
results <- list(
  n = nrow(d),
  model4 = list(
    scaled = rbind(scaled(consc ~ neuro + age + gender, "consc"), scaled(agree ~ neuro + age + gender, "agree"),
                   scaled(extra ~ neuro + consc + agree + age + gender, "extra"), total),
    lavaan = std_all(sem(model4, data = d))),
  model6 = list(
    scaled = rbind(scaled(consc ~ neuro + age + gender, "consc"),
                   scaled(agree ~ neuro + consc + age + gender, "agree"),
                   scaled(extra ~ neuro + consc + agree + age + gender, "extra"), total),
    lavaan = std_all(sem(model6, data = d))))
write_json(results, paste0(out, "findings_process_standardised.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
