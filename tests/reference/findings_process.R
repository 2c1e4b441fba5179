# Reference values for tests/findings/test_process.py: PROCESS models 1, 4, 6, 7 and 14 on real public data.
# psychTools::bfi (scale sums of psych's keyed items, complete cases) with age and gender as covariates; mtcars;
# mlmRev::Exam (4,059 pupils in 65 schools) for the cluster bootstrap.
# Run from the repository root:  Rscript tests/reference/findings_process.R   (about 7 minutes of CPU: lavaan bootstraps)
# Produced with R 4.2.2, lavaan 0.6-14, sandwich 3.0-2, psychTools 2.2.9, mlmRev 1.0-8, jsonlite 1.8.4 (Debian r-cran-* packages).
#
# - equations: lm() — coefficients, SE, t, p, confint(), R², MSE, F; standardised effects × sd(X)/sd(Y)
# - bootstrap: lavaan::sem(se = "bootstrap", bootstrap = n_boot) with := indirect effects, parameterEstimates with
#   boot.ci.type = "perc" and "bca.simple" (the tests compare within Monte-Carlo error)
# - resampling itself: R's own resample indices (sample.int) for a case bootstrap of mtcars and a school bootstrap of
#   Exam, lm() refitted on every resample, percentile (quantile type 7) and BC intervals of those draws
# - moderation: conditional effects by re-centring W at each probe value and refitting (lm, sandwich::vcovHC HC3),
#   the interaction's R² change and anova() F, Johnson–Neyman boundaries from polyroot() of the quadratic
suppressMessages({library(lavaan); library(sandwich); library(jsonlite)})
out <- "tests/reference/expected/"
set.seed(20250601)
n_boot <- as.integer(Sys.getenv("N_BOOT", "5000"))  # lavaan's resamples; N_BOOT=50 for a quick trial run
data(bfi, package = "psychTools")
keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"), consc = c("C1", "C2", "C3", "-C4", "-C5"),
  extra = c("-E1", "-E2", "E3", "E4", "E5"), neuro = c("N1", "N2", "N3", "N4", "N5"),
  open = c("O1", "-O2", "O3", "O4", "-O5"))
score <- function(k) {
  x <- bfi[, sub("-", "", k)]
  reversed <- startsWith(k, "-")
  x[, reversed] <- 7 - x[, reversed]
  rowSums(x)  # NA when any item is missing
}
d <- na.omit(data.frame(lapply(keys, score), age = bfi$age, gender = bfi$gender))

lm_table <- function(fit, outcome, vcov. = vcov(fit)) {
  est <- coef(fit); se <- sqrt(diag(vcov.)); df <- fit$df.residual; t <- est / se
  q <- qt(0.975, df)
  data.frame(outcome = outcome, term = sub("(Intercept)", "constant", names(est), fixed = TRUE),
             estimate = est, se = se, statistic = t, df = df, p_value = 2 * pt(-abs(t), df),
             ci_low = est - q * se, ci_high = est + q * se, row.names = NULL)
}
lm_summary <- function(fit, outcome) {
  s <- summary(fit); f <- s$fstatistic
  data.frame(outcome = outcome, r = sqrt(s$r.squared), r_squared = s$r.squared, mse = s$sigma^2, f = f[[1]],
             df1 = f[[2]], df2 = f[[3]], p_value = pf(f[[1]], f[[2]], f[[3]], lower.tail = FALSE), n = nobs(fit))
}
boot_rows <- function(fit, names) {
  perc <- parameterEstimates(fit, boot.ci.type = "perc")
  bc <- parameterEstimates(fit, boot.ci.type = "bca.simple")
  perc <- perc[perc$label %in% names, ]; bc <- bc[match(perc$label, bc$label), ]
  data.frame(label = perc$label, estimate = perc$est, se = perc$se, perc_low = perc$ci.lower,
             perc_high = perc$ci.upper, bc_low = bc$ci.lower, bc_high = bc$ci.upper,
             n_boot = nrow(lavInspect(fit, "boot")))
}
probe <- function(w) c(quantile(w, c(0.16, 0.5, 0.84), type = 7), mean(w) - sd(w), mean(w), mean(w) + sd(w))
results <- list(n_bfi = nrow(d), n_dropped_bfi = nrow(bfi) - nrow(d))

# --- model 4: neuro → (consc, agree) → extra, covariates age and gender --------------------------------------
m1 <- lm(consc ~ neuro + age + gender, d); m2 <- lm(agree ~ neuro + age + gender, d)
my <- lm(extra ~ neuro + consc + agree + age + gender, d); mt <- lm(extra ~ neuro + age + gender, d)
ratio <- sd(d$neuro) / sd(d$extra)
ind <- c(coef(m1)[["neuro"]] * coef(my)[["consc"]], coef(m2)[["neuro"]] * coef(my)[["agree"]])
results$model4 <- list(
  paths = rbind(lm_table(m1, "consc"), lm_table(m2, "agree"), lm_table(my, "extra"), lm_table(mt, "extra (total)")),
  models = rbind(lm_summary(m1, "consc"), lm_summary(m2, "agree"), lm_summary(my, "extra"), lm_summary(mt, "extra")),
  effects = data.frame(effect = c("total", "direct", "indirect", "indirect", "total indirect"),
                       estimate = c(coef(mt)[["neuro"]], coef(my)[["neuro"]], ind, sum(ind)),
                       std_estimate = c(coef(mt)[["neuro"]], coef(my)[["neuro"]], ind, sum(ind)) * ratio))
fit4 <- sem("
  consc ~ a1*neuro + age + gender
  agree ~ a2*neuro + age + gender
  extra ~ cp*neuro + b1*consc + b2*agree + age + gender
  ind1 := a1*b1
  ind2 := a2*b2
  total_ind := ind1 + ind2
  contrast := ind1 - ind2
  total := cp + ind1 + ind2", data = d, se = "bootstrap", bootstrap = n_boot)
results$model4$lavaan <- boot_rows(fit4, c("ind1", "ind2", "total_ind", "contrast", "total"))

# --- model 6: neuro → consc → agree → extra (serial), covariates age and gender -------------------------------
s2 <- lm(agree ~ neuro + consc + age + gender, d)
ind <- c(coef(m1)[["neuro"]] * coef(my)[["consc"]], coef(s2)[["neuro"]] * coef(my)[["agree"]],
         coef(m1)[["neuro"]] * coef(s2)[["consc"]] * coef(my)[["agree"]])
results$model6 <- list(
  paths = rbind(lm_table(m1, "consc"), lm_table(s2, "agree"), lm_table(my, "extra")),
  effects = data.frame(effect = c("total", "direct", "indirect", "indirect", "indirect", "total indirect"),
                       estimate = c(coef(mt)[["neuro"]], coef(my)[["neuro"]], ind, sum(ind))))
fit6 <- sem("
  consc ~ a1*neuro + age + gender
  agree ~ a2*neuro + d21*consc + age + gender
  extra ~ cp*neuro + b1*consc + b2*agree + age + gender
  ind1 := a1*b1
  ind2 := a2*b2
  ind3 := a1*d21*b2
  total_ind := ind1 + ind2 + ind3", data = d, se = "bootstrap", bootstrap = n_boot)
results$model6$lavaan <- boot_rows(fit6, c("ind1", "ind2", "ind3", "total_ind"))

# --- models 7 and 14: W = agree; X = neuro, M = consc, Y = extra; the product's variables mean-centred ----------
w_values <- probe(d$agree)
results$w_values <- unname(w_values)
centre <- function(frame, names) { for (v in names) frame[[v]] <- frame[[v]] - mean(frame[[v]]); frame }
d7 <- centre(d, c("neuro", "agree")); d7$nw <- d7$neuro * d7$agree
a7 <- lm(consc ~ neuro + agree + neuro:agree + age + gender, d7); y7 <- lm(extra ~ neuro + consc + age + gender, d7)
wc <- w_values - mean(d$agree)
results$model7 <- list(
  paths = rbind(lm_table(a7, "consc"), lm_table(y7, "extra")),
  conditional_indirect = (coef(a7)[["neuro"]] + coef(a7)[["neuro:agree"]] * wc) * coef(y7)[["consc"]],
  index = coef(a7)[["neuro:agree"]] * coef(y7)[["consc"]])
defs <- paste(sprintf("ind%d := (a1 + a3*(%.15g))*b", seq_along(wc), wc), collapse = "\n")
fit7 <- sem(paste("
  consc ~ a1*neuro + a2*agree + a3*nw + age + gender
  extra ~ cp*neuro + b*consc + age + gender
  index := a3*b", defs, sep = "\n"), data = d7, se = "bootstrap", bootstrap = n_boot)
results$model7$lavaan <- boot_rows(fit7, c(paste0("ind", seq_along(wc)), "index"))

d14 <- centre(d, c("consc", "agree")); d14$cw <- d14$consc * d14$agree
a14 <- lm(consc ~ neuro + age + gender, d14); y14 <- lm(extra ~ neuro + consc + agree + consc:agree + age + gender, d14)
results$model14 <- list(
  paths = rbind(lm_table(a14, "consc"), lm_table(y14, "extra")),
  conditional_indirect = coef(a14)[["neuro"]] * (coef(y14)[["consc"]] + coef(y14)[["consc:agree"]] * wc),
  index = coef(a14)[["neuro"]] * coef(y14)[["consc:agree"]])
defs <- paste(sprintf("ind%d := a*(b1 + b3*(%.15g))", seq_along(wc), wc), collapse = "\n")
fit14 <- sem(paste("
  consc ~ a*neuro + age + gender
  extra ~ cp*neuro + b1*consc + b2*agree + b3*cw + age + gender
  index := a*b3", defs, sep = "\n"), data = d14, se = "bootstrap", bootstrap = n_boot)
results$model14$lavaan <- boot_rows(fit14, c(paste0("ind", seq_along(wc)), "index"))

# --- model 1: conditional effects by re-centring W; R² change; J–N from the quadratic --------------------------
moderation_reference <- function(frame, x, w, y, covariates = character()) {
  raw_w <- frame[[w]]
  frame <- centre(frame, c(x, w))
  rhs <- paste(c(x, w, paste0(x, ":", w), covariates), collapse = " + ")
  full <- lm(as.formula(paste(y, "~", rhs)), frame)
  reduced <- lm(as.formula(paste(y, "~", paste(c(x, w, covariates), collapse = " + "))), frame)
  values <- probe(raw_w)
  conditional <- do.call(rbind, lapply(c("nonrobust", "HC3"), function(type) do.call(rbind, lapply(values, function(v) {
    moved <- frame; moved[[w]] <- raw_w - v
    refit <- lm(as.formula(paste(y, "~", rhs)), moved)
    vc <- if (type == "HC3") vcovHC(refit, type = "HC3") else vcov(refit)
    row <- lm_table(refit, y, vc)[2, ]
    cbind(cov_type = type, w = v, row[, c("estimate", "se", "statistic", "p_value", "ci_low", "ci_high")])
  }))))
  product <- paste0(x, ":", w)
  b <- coef(full); v <- vcov(full); t2 <- qt(0.975, full$df.residual)^2
  roots <- polyroot(c(b[[x]]^2 - t2 * v[x, x], 2 * (b[[x]] * b[[product]] - t2 * v[x, product]),
                      b[[product]]^2 - t2 * v[product, product]))
  roots <- sort(Re(roots[abs(Im(roots)) < 1e-9])) + mean(raw_w)
  roots <- roots[roots > min(raw_w) & roots < max(raw_w)]
  hc3 <- vcovHC(full, type = "HC3")
  list(coefficients = lm_table(full, y), coefficients_hc3 = lm_table(full, y, hc3), summary = lm_summary(full, y),
       r_squared_change = summary(full)$r.squared - summary(reduced)$r.squared,
       f_change = anova(reduced, full)$F[[2]], f_hc3 = coef(full)[[product]]^2 / hc3[product, product],
       conditional = conditional, jn = roots, share_below = sapply(roots, function(r) mean(raw_w < r)),
       share_above = sapply(roots, function(r) mean(raw_w > r)))
}
results$moderation_mtcars <- moderation_reference(mtcars, "hp", "wt", "mpg")
results$moderation_bfi <- moderation_reference(d, "neuro", "agree", "extra", c("age", "gender"))

# --- the resampling itself: R's resample indices, lm() refitted on each ------------------------------------------
B <- 200
case_index <- matrix(sample.int(nrow(mtcars), nrow(mtcars) * B, replace = TRUE), nrow = B)
case_draws <- t(apply(case_index, 1, function(i) {
  s <- mtcars[i, ]
  a <- coef(lm(hp ~ wt, s))[["wt"]]; fy <- coef(lm(mpg ~ wt + hp, s))
  c(indirect = a * fy[["hp"]], direct = fy[["wt"]])
}))
data(Exam, package = "mlmRev")
schools <- levels(Exam$school)
rows_of <- split(seq_len(nrow(Exam)), Exam$school)
cluster_index <- matrix(sample.int(length(schools), length(schools) * B, replace = TRUE), nrow = B)
cluster_draws <- t(apply(cluster_index, 1, function(i) {
  s <- Exam[unlist(rows_of[i]), ]
  a <- coef(lm(schavg ~ standLRT, s))[["standLRT"]]; fy <- coef(lm(normexam ~ standLRT + schavg, s))
  c(indirect = a * fy[["schavg"]], direct = fy[["standLRT"]])
}))
intervals <- function(draws, estimate) {
  z0 <- qnorm(mean(draws < estimate))
  c(perc = unname(quantile(draws, c(0.025, 0.975), type = 7)),
    bc = unname(quantile(draws, pnorm(2 * z0 + qnorm(c(0.025, 0.975))), type = 7)), se = sd(draws))
}
case_estimate <- coef(lm(hp ~ wt, mtcars))[["wt"]] * coef(lm(mpg ~ wt + hp, mtcars))[["hp"]]
cluster_estimate <- coef(lm(schavg ~ standLRT, Exam))[["standLRT"]] *
  coef(lm(normexam ~ standLRT + schavg, Exam))[["schavg"]]
results$resampling <- list(
  case_estimate = case_estimate, case_intervals = as.list(intervals(case_draws[, "indirect"], case_estimate)),
  cluster_estimate = cluster_estimate,
  cluster_intervals = as.list(intervals(cluster_draws[, "indirect"], cluster_estimate)))
write.csv(case_index, paste0(out, "process_case_index.csv"), row.names = FALSE)
write.csv(case_draws, paste0(out, "process_case_draws.csv"), row.names = FALSE)
write.csv(cluster_index, paste0(out, "process_cluster_index.csv"), row.names = FALSE)
write.csv(cluster_draws, paste0(out, "process_cluster_draws.csv"), row.names = FALSE)
write_json(results, paste0(out, "findings_process.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
