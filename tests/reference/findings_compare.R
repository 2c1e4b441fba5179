# Reference values for tests/findings/test_compare.py. Run from the repository root:
#   Rscript tests/reference/findings_compare.R
# R 4.2.2, car 3.1-1, effectsize 0.8.3, rstatix 0.7.2 (Debian packages). Effect-size CIs are two-sided
# (alternative = "two.sided"; effectsize's default for η², ω² and V is one-sided).
suppressMessages({library(car); library(effectsize); library(rstatix)})
source("tests/reference/findings_data.R")
d <- bfi_scales()
rows <- list()
add <- function(case, name, estimate = NA, statistic = NA, df = NA, df2 = NA, p = NA, low = NA, high = NA) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, name = name, estimate = estimate, statistic = statistic,
                                          df = df, df2 = df2, p_value = p, ci_low = low, ci_high = high)
}
two_groups <- function(case, y, g) {
  keep <- !is.na(y) & !is.na(g); y <- y[keep]; g <- factor(g[keep])
  x1 <- y[g == levels(g)[1]]; x2 <- y[g == levels(g)[2]]
  lev <- leveneTest(y, g, center = mean)
  add(case, "levene", statistic = lev[1, "F value"], df = lev[1, "Df"], df2 = lev[2, "Df"], p = lev[1, "Pr(>F)"])
  for (equal in c(TRUE, FALSE)) {
    t <- t.test(x1, x2, var.equal = equal)
    add(case, if (equal) "student_t" else "welch_t", estimate = unname(diff(rev(t$estimate))),
        statistic = unname(t$statistic), df = unname(t$parameter), p = t$p.value, low = t$conf.int[1],
        high = t$conf.int[2])
  }
  cd <- effectsize::cohens_d(x1, x2, alternative = "two.sided"); hg <- effectsize::hedges_g(x1, x2, alternative = "two.sided")
  add(case, "cohens_d", estimate = cd$Cohens_d, low = cd$CI_low, high = cd$CI_high)
  add(case, "hedges_g", estimate = hg$Hedges_g, low = hg$CI_low, high = hg$CI_high)
  w <- suppressWarnings(wilcox.test(x1, x2))
  z <- suppressWarnings(wilcox.test(x1, x2, exact = FALSE, correct = FALSE))
  add(case, "mann_whitney", statistic = unname(w$statistic), p = w$p.value)
  add(case, "mann_whitney_r", estimate = abs(qnorm(z$p.value / 2)) / sqrt(length(y)))
}
two_groups("bfi_agree_gender", d$agree, d$gender)
pg <- PlantGrowth[PlantGrowth$group != "trt1", ]  # no ties: wilcox.test is exact
two_groups("plant_ctrl_trt2", pg$weight, as.character(pg$group))
# paired: the sleep data (zero and tied differences: normal approximation with continuity correction)
x1 <- sleep$extra[sleep$group == 1]; x2 <- sleep$extra[sleep$group == 2]
t <- t.test(x1, x2, paired = TRUE)
add("sleep_paired", "paired_t", estimate = unname(t$estimate), statistic = unname(t$statistic),
    df = unname(t$parameter), p = t$p.value, low = t$conf.int[1], high = t$conf.int[2])
cd <- effectsize::cohens_d(x1, x2, paired = TRUE, alternative = "two.sided")
add("sleep_paired", "cohens_d", estimate = cd$Cohens_d, low = cd$CI_low, high = cd$CI_high)
hg <- effectsize::hedges_g(x1, x2, paired = TRUE, alternative = "two.sided")
add("sleep_paired", "hedges_g", estimate = hg$Hedges_g, low = hg$CI_low, high = hg$CI_high)
w <- suppressWarnings(wilcox.test(x1, x2, paired = TRUE))
add("sleep_paired", "wilcoxon", statistic = unname(w$statistic), p = w$p.value)
z <- suppressWarnings(wilcox.test(x1, x2, paired = TRUE, exact = FALSE, correct = FALSE))
add("sleep_paired", "wilcoxon_r", estimate = abs(qnorm(z$p.value / 2)) / sqrt(sum(x1 != x2)))
# paired without ties or zeros: MASS's anorexia, family therapy (17 girls): wilcox.test is exact
ft <- MASS::anorexia[MASS::anorexia$Treat == "FT", ]
w <- wilcox.test(ft$Prewt, ft$Postwt, paired = TRUE)
add("anorexia_ft_paired", "wilcoxon", statistic = unname(w$statistic), p = w$p.value)
t <- t.test(ft$Prewt, ft$Postwt, paired = TRUE)
add("anorexia_ft_paired", "paired_t", estimate = unname(t$estimate), statistic = unname(t$statistic),
    df = unname(t$parameter), p = t$p.value, low = t$conf.int[1], high = t$conf.int[2])
# three or more groups
post <- list()
several <- function(case, y, g) {
  keep <- !is.na(y) & !is.na(g); y <- y[keep]; g <- factor(g[keep])
  k <- nlevels(g); n <- length(y)
  fit <- aov(y ~ g); tab <- summary(fit)[[1]]
  add(case, "anova", statistic = tab[1, "F value"], df = tab[1, "Df"], df2 = tab[2, "Df"], p = tab[1, "Pr(>F)"])
  w <- oneway.test(y ~ g, var.equal = FALSE)
  add(case, "welch_anova", statistic = unname(w$statistic), df = w$parameter[1], df2 = w$parameter[2],
      p = w$p.value)
  lev <- leveneTest(y, g, center = mean)
  add(case, "levene", statistic = lev[1, "F value"], df = lev[1, "Df"], df2 = lev[2, "Df"], p = lev[1, "Pr(>F)"])
  e <- suppressMessages(effectsize::eta_squared(fit, alternative = "two.sided"))
  add(case, "eta_squared", estimate = e$Eta2, low = e$CI_low, high = e$CI_high)
  o <- suppressMessages(effectsize::omega_squared(fit, alternative = "two.sided"))
  add(case, "omega_squared", estimate = o$Omega2, low = o$CI_low, high = o$CI_high)
  kw <- kruskal.test(y, g)
  add(case, "kruskal_wallis", statistic = unname(kw$statistic), df = unname(kw$parameter), p = kw$p.value)
  add(case, "epsilon_squared", estimate = rank_epsilon_squared(y, g, ci = NULL)$rank_epsilon_squared)
  # Brown–Forsythe F* for means (Brown & Forsythe 1974), written out
  ni <- tapply(y, g, length); mi <- tapply(y, g, mean); vi <- tapply(y, g, var)
  ssb <- sum(ni * (mi - mean(y))^2); den <- sum((1 - ni / n) * vi); ci <- (1 - ni / n) * vi / den
  add(case, "brown_forsythe", statistic = ssb / den, df = k - 1, df2 = 1 / sum(ci^2 / (ni - 1)),
      p = pf(ssb / den, k - 1, 1 / sum(ci^2 / (ni - 1)), lower.tail = FALSE))
  # post hoc
  mse <- tab[2, "Mean Sq"]; dfw <- tab[2, "Df"]
  tk <- TukeyHSD(fit, conf.level = 0.95)$g
  lsd <- pairwise.t.test(y, g, p.adjust.method = "none", pool.sd = TRUE)$p.value
  gh <- games_howell_test(data.frame(y = y, g = g), y ~ g, conf.level = 0.95, detailed = TRUE)
  for (a in 1:(k - 1)) for (b in (a + 1):k) {
    la <- levels(g)[a]; lb <- levels(g)[b]; diff <- mi[[lb]] - mi[[la]]
    se <- sqrt(mse * (1 / ni[[la]] + 1 / ni[[lb]]))
    tq <- qt(0.975, dfw); sq <- sqrt((k - 1) * qf(0.95, k - 1, dfw))
    key <- paste0(lb, "-", la)
    ghr <- gh[gh$group1 == la & gh$group2 == lb, ]
    post[[length(post) + 1]] <<- data.frame(
      case = case, group_1 = la, group_2 = lb, difference = diff, se = se,
      lsd_p = lsd[lb, la], lsd_low = diff - tq * se, lsd_high = diff + tq * se,
      tukey_p = tk[key, "p adj"], tukey_low = tk[key, "lwr"], tukey_high = tk[key, "upr"],
      scheffe_p = pf(diff^2 / se^2 / (k - 1), k - 1, dfw, lower.tail = FALSE),
      scheffe_low = diff - sq * se, scheffe_high = diff + sq * se,
      games_howell_estimate = ghr$estimate, games_howell_se = ghr$se, games_howell_df = ghr$df,
      games_howell_p = ghr$p.adj,  # rstatix rounds p.adj to 3 decimals; unrounded below; its se is the Welch SE / sqrt(2)
      games_howell_p_unrounded = ptukey(abs(ghr$estimate) / ghr$se, k, ghr$df, lower.tail = FALSE), games_howell_low = ghr$conf.low, games_howell_high = ghr$conf.high)
  }
}
several("bfi_agree_education", d$agree, d$education)
several("plant_growth", PlantGrowth$weight, as.character(PlantGrowth$group))
out(do.call(rbind, rows), "findings_compare_tests.csv")
out(do.call(rbind, post), "findings_compare_post_hoc.csv")
# crosstabs
cross <- list(); cells <- list()
table_case <- function(case, r, c) {
  tab <- table(r, c)
  chi <- suppressWarnings(chisq.test(tab))            # Yates' correction for 2 × 2, as R's default
  raw <- suppressWarnings(chisq.test(tab, correct = FALSE))
  v <- effectsize::cramers_v(tab, adjust = FALSE, alternative = "two.sided")
  f <- if (all(dim(tab) == 2)) fisher.test(tab)$p.value else NA
  cross[[length(cross) + 1]] <<- data.frame(
    case = case, chi_square = unname(chi$statistic), df = unname(chi$parameter), p_value = chi$p.value,
    chi_square_uncorrected = unname(raw$statistic), p_uncorrected = raw$p.value, cramers_v = v$Cramers_v,
    v_low = v$CI_low, v_high = v$CI_high, fisher_p = f, n = sum(tab))
  cells[[length(cells) + 1]] <<- data.frame(case = case, row = rep(rownames(tab), ncol(tab)),
                                            column = rep(colnames(tab), each = nrow(tab)),
                                            n = as.vector(tab), expected = as.vector(chi$expected))
}
table_case("bfi_gender_education", d$gender, d$education)
table_case("bfi_gender_over30", d$gender, as.integer(d$age > 30))
table_case("mtcars_am_gear5", mtcars$am, as.integer(mtcars$gear == 5))
out(do.call(rbind, cross), "findings_crosstab_tests.csv")
out(do.call(rbind, cells), "findings_crosstab_cells.csv")
cat("car", as.character(packageVersion("car")), "effectsize", as.character(packageVersion("effectsize")),
    "rstatix", as.character(packageVersion("rstatix")), "\n")
