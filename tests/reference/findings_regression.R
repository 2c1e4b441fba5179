# Reference values for tests/findings/test_regression.py. Run from the repository root:
#   Rscript tests/reference/findings_regression.R
# R 4.2.2, car 3.1-1, sandwich 3.0-2, lmtest 0.9-40, MASS 7.3-58.2, ordinal 2022.11-16 (Debian packages).
suppressMessages({library(car); library(sandwich); library(lmtest); library(MASS); library(ordinal)})
data(Exam, package = "mlmRev")
exam <- Exam
blocks <- list(c("sex", "vr"), c("standLRT", "schavg"))
steps <- list(); terms <- list()
fits <- list()
for (s in seq_along(blocks)) fits[[s]] <- lm(reformulate(unlist(blocks[1:s]), "normexam"), data = exam)
G <- length(unique(exam$school))
wald_f <- function(fit, drop, V, df2) {
  b <- coef(fit)[drop]; W <- drop(t(b) %*% solve(V[drop, drop]) %*% b); q <- length(drop)
  c(W / q, q, df2, pf(W / q, q, df2, lower.tail = FALSE))
}
for (cov_type in c("nonrobust", "HC3", "cluster")) for (s in seq_along(fits)) {
  fit <- fits[[s]]; sm <- summary(fit); n <- nobs(fit); p <- length(coef(fit))
  V <- switch(cov_type, nonrobust = vcov(fit), HC3 = vcovHC(fit, type = "HC3"),
              cluster = vcovCL(fit, cluster = ~school, type = "HC1"))
  df_t <- if (cov_type == "cluster") G - 1 else fit$df.residual
  prev_r2 <- if (s == 1) 0 else summary(fits[[s - 1]])$r.squared
  added <- setdiff(names(coef(fit)), if (s == 1) "(Intercept)" else names(coef(fits[[s - 1]])))
  change <- if (cov_type == "nonrobust") {
    a <- if (s == 1) anova(lm(normexam ~ 1, data = exam), fit) else anova(fits[[s - 1]], fit)
    c(a[2, "F"], a[2, "Df"], a[2, "Res.Df"], a[2, "Pr(>F)"])
  } else wald_f(fit, added, V, df_t)
  steps[[length(steps) + 1]] <- data.frame(
    cov_type = cov_type, step = s, n = n, r_squared = sm$r.squared, adj_r_squared = sm$adj.r.squared,
    r_squared_change = sm$r.squared - prev_r2, f_change = change[1], df1 = change[2], df2 = change[3],
    p_change = change[4])
  ct <- coeftest(fit, vcov. = V, df = df_t)
  ci <- coefci(fit, vcov. = V, df = df_t)
  X <- model.matrix(fit)
  gv <- if (p > 2) car::vif(fit) else NULL
  vif_of <- function(term) {
    if (term == "(Intercept)" || is.null(gv)) return(NA)
    var <- Find(function(v) startsWith(term, v), unlist(blocks[1:s]))
    if (is.matrix(gv)) gv[var, "GVIF"] else gv[[var]]
  }
  terms[[length(terms) + 1]] <- data.frame(
    cov_type = cov_type, step = s, term = rownames(ct), estimate = ct[, 1], se = ct[, 2], statistic = ct[, 3],
    p_value = ct[, 4], ci_low = ci[, 1], ci_high = ci[, 2],
    std_estimate = c(NA, coef(fit)[-1] * apply(X[, -1, drop = FALSE], 2, sd) / sd(exam$normexam)),
    vif = sapply(rownames(ct), vif_of))
}
out <- function(frame, name) write.csv(frame, file.path("tests/reference/expected", name), row.names = FALSE)
out(do.call(rbind, steps), "findings_regression_exam_steps.csv")
out(do.call(rbind, terms), "findings_regression_exam_terms.csv")
# logistic: MASS birthwt, low ~ age + lwt + race (factor, reference white) + smoke
bw <- birthwt; bw$race <- factor(bw$race, labels = c("white", "black", "other"))
fit <- glm(low ~ age + lwt + race + smoke, family = binomial, data = bw)
null <- glm(low ~ 1, family = binomial, data = bw)
ci <- confint.default(fit); s <- summary(fit)$coefficients
out(data.frame(term = rownames(s), estimate = s[, 1], se = s[, 2], statistic = s[, 3], p_value = s[, 4],
               odds_ratio = exp(s[, 1]), ci_low = exp(ci[, 1]), ci_high = exp(ci[, 2])),
    "findings_logistic_birthwt_terms.csv")
ll <- as.numeric(logLik(fit)); ll0 <- as.numeric(logLik(null)); n <- nobs(fit)
cox_snell <- 1 - exp(2 * (ll0 - ll) / n)
out(data.frame(n = n, log_likelihood = ll, null_log_likelihood = ll0, lr_chi_square = 2 * (ll - ll0),
               df = length(coef(fit)) - 1, p_value = pchisq(2 * (ll - ll0), length(coef(fit)) - 1, lower.tail = FALSE),
               aic = AIC(fit), mcfadden = 1 - ll / ll0, cox_snell = cox_snell,
               nagelkerke = cox_snell / (1 - exp(2 * ll0 / n))), "findings_logistic_birthwt_fit.csv")
# ordinal: wine (ordinal package), rating ~ temp + contact; polr and clm agree
fit <- polr(rating ~ temp + contact, data = wine, Hess = TRUE)
cl <- clm(rating ~ temp + contact, data = wine)
V <- vcov(fit); est <- c(coef(fit), fit$zeta); se <- sqrt(diag(V))[names(est)]
out(data.frame(term = names(est), kind = rep(c("predictor", "threshold"), c(length(coef(fit)), length(fit$zeta))),
               estimate = est, se = se, clm_estimate = c(coef(cl)[names(coef(fit))], coef(cl)[names(fit$zeta)]),
               clm_se = sqrt(diag(vcov(cl)))[c(names(coef(fit)), names(fit$zeta))]),
    "findings_ordinal_wine_terms.csv")
null <- clm(rating ~ 1, data = wine)  # clm's Newton fit; polr's BFGS stops ~1e-6 short of the maximum
ll <- as.numeric(logLik(cl)); ll0 <- as.numeric(logLik(null)); n <- nrow(wine)
cox_snell <- 1 - exp(2 * (ll0 - ll) / n)
out(data.frame(n = n, log_likelihood = ll, null_log_likelihood = ll0, lr_chi_square = 2 * (ll - ll0), df = 2,
               mcfadden = 1 - ll / ll0, nagelkerke = cox_snell / (1 - exp(2 * ll0 / n))),
    "findings_ordinal_wine_fit.csv")
cat("car", as.character(packageVersion("car")), "sandwich", as.character(packageVersion("sandwich")),
    "MASS", as.character(packageVersion("MASS")), "ordinal", as.character(packageVersion("ordinal")), "\n")
