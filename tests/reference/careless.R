# Reference values for tests/screening/test_screening.py: careless-response indices on psych's bfi data (2800 real answers).
# Run from the repository root:  Rscript tests/reference/careless.R
# Produced with R 4.2.2 and psych 2.2.9 (Debian r-cran-psych). The R package careless is not packaged for Debian
# (and CRAN is unreachable here), so its formulas are written out below from its published source
# (github.com/ryentes/careless: R/longstring.R, R/irv.R, R/evenodd.R, R/psychsyn.R, R/mahad.R).
suppressMessages(library(psych))
data(bfi, package = "psych")
raw <- as.matrix(bfi[, 1:25])
reverse <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
keyed <- raw
keyed[, reverse] <- 7 - keyed[, reverse]
factors <- rep(5, 5)

# careless::longstring: longest run of identical answers (rle: a missing answer breaks a run)
longstring <- apply(raw, 1, function(x) max(rle(x)$lengths))

# careless::irv(na.rm = TRUE): within-person SD
irv <- apply(raw, 1, stats::sd, na.rm = TRUE)

# careless::evenodd (>= 1.2, higher = more careless): even/odd item means per factor, correlated over factors,
# Spearman-Brown corrected, floored at -1, negated
evenodd <- apply(keyed, 1, function(x) {
  f <- matrix(NA, length(factors), 2)
  start <- 1
  for (j in seq_along(factors)) {
    s <- x[start:(start + factors[j] - 1)]
    ind <- seq_along(s)
    f[j, 1] <- mean(s[ind %% 2 == 0], na.rm = TRUE)
    f[j, 2] <- mean(s[ind %% 2 == 1], na.rm = TRUE)
    start <- start + factors[j]
  }
  val <- suppressWarnings(stats::cor(f[, 1], f[, 2], use = "pairwise.complete.obs"))
  val <- (2 * val) / (1 + val)
  if (!is.na(val) && val < -1) val <- -1
  -val
})

# careless::psychsyn(critval = .40, resample_na = FALSE): pairs with r > .40 across the sample (lower triangle;
# bfi has only one pair above the default .60, so the reference uses .40, giving 15 pairs),
# then the within-person correlation over the pairs answered, when more than two are
r <- stats::cor(keyed, use = "pairwise.complete.obs")
r[upper.tri(r, diag = TRUE)] <- NA
pairs <- which(r > .40, arr.ind = TRUE)
syn <- t(apply(keyed, 1, function(x) {
  a <- x[pairs[, 1]]
  b <- x[pairs[, 2]]
  n <- sum(!is.na(a) & !is.na(b))
  val <- if (n > 2) suppressWarnings(stats::cor(a, b, use = "pairwise.complete.obs")) else NA
  c(n, val)
}))

# careless::mahad calls psych::outlier (pairwise covariance; missing answers add nothing)
d2 <- psych::outlier(keyed, plot = FALSE, bad = 0)
df <- rowSums(!is.na(keyed))
p <- pchisq(d2, df = df, lower.tail = FALSE)
complete <- complete.cases(keyed)
d2_stats <- rep(NA, nrow(keyed))
d2_stats[complete] <- stats::mahalanobis(keyed[complete, ], colMeans(keyed[complete, ]), cov(keyed[complete, ]))

out <- data.frame(
  rownames = rownames(bfi), longstring = longstring, irv = irv, evenodd = evenodd,
  psychsyn_pairs = syn[, 1], psychsyn = syn[, 2], mahalanobis_d2 = d2, mahalanobis_df = df,
  mahalanobis_p = p, mahalanobis_complete_d2 = d2_stats
)
write.csv(out, "tests/reference/expected/careless_bfi.csv", row.names = FALSE)
cat("synonym pairs:", nrow(pairs), " psych", as.character(packageVersion("psych")), "\n")
