# Reference values for tests/findings/test_few_clusters.py: OLS with CR2 (Bell–McCaffrey) cluster-robust SEs,
# Satterthwaite df (clubSandwich::coef_test) and the HTZ joint Wald test (clubSandwich::Wald_test), and the
# two-level model with the school-level contrasts (lme4 + lmerTest, Satterthwaite), on real public data with few
# clusters: mlmRev::Exam restricted to 15 schools, the first five (by school id) of each school gender (mixed,
# boys, girls), so that a school-level variable with three levels is compared on 15 clusters as in a district.
# Run from the repository root:  Rscript tests/reference/findings_few_clusters.R
# Produced with R 4.2.2, clubSandwich 0.5.8, lme4 1.1-31, lmerTest 3.1-3, mlmRev 1.0-8 (Debian r-cran-*).
suppressMessages({library(clubSandwich); library(lme4); library(lmerTest); library(jsonlite)})
out <- "tests/reference/expected/"
data(Exam, package = "mlmRev")
first <- unlist(lapply(c("mixed", "boys", "girls"), function(g) {
  ids <- sort(as.integer(as.character(unique(Exam$school[Exam$schgend == g]))))
  ids[1:5]
}))
d <- Exam[as.integer(as.character(Exam$school)) %in% first, c("school", "schgend", "normexam", "standLRT")]
d$school <- factor(as.character(d$school))
d$schgend <- factor(d$schgend, levels = c("mixed", "boys", "girls"))
write.csv(d, paste0(out, "few_clusters_exam.csv"), row.names = FALSE)

models <- list(
  locale = lm(normexam ~ schgend, data = d),
  covariate = lm(normexam ~ schgend + standLRT, data = d)
)
result <- list(schools = first, n = nrow(d))
for (name in names(models)) {
  m <- models[[name]]
  V <- vcovCR(m, cluster = d$school, type = "CR2")
  ct <- coef_test(m, vcov = V, test = "Satterthwaite")
  ci <- conf_int(m, vcov = V, test = "Satterthwaite", level = 0.95)
  wt <- Wald_test(m, constraints = constrain_zero(2:3), vcov = V, test = "HTZ")
  result[[name]] <- list(
    coef = data.frame(term = names(coef(m)), estimate = unname(coef(m)), se = ct$SE, df = ct$df_Satt,
                      p_value = ct$p_Satt, ci_low = ci$CI_L, ci_high = ci$CI_U),
    vcov = unname(as.matrix(V)),
    wald = data.frame(Fstat = wt$Fstat, df_num = wt$df_num, df_denom = wt$df_denom, p_value = wt$p_val)
  )
}
mm <- lmer(normexam ~ schgend + (1 | school), data = d, REML = TRUE)
co <- summary(mm)$coefficients
result$mixed <- data.frame(term = rownames(co), estimate = co[, "Estimate"], se = co[, "Std. Error"],
                           df = co[, "df"], p_value = co[, "Pr(>|t|)"])
write_json(result, paste0(out, "few_clusters.json"), digits = NA, pretty = TRUE)
