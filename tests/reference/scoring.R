# Reference values for tests/test_scoring.py: psych::scoreItems on psych's bfi data (real responses, 2800 people).
# Run from the repository root:  Rscript tests/reference/scoring.R
# Produced with R 4.2.2 and psych 2.2.9 (Debian r-cran-psych).
suppressMessages(library(psych))
data(bfi, package = "psych")
keys <- list(
  agree = c("-A1", "A2", "A3", "A4", "A5"),
  conscientious = c("C1", "C2", "C3", "-C4", "-C5"),
  extraversion = c("-E1", "-E2", "E3", "E4", "E5"),
  neuroticism = c("N1", "N2", "N3", "N4", "N5"),
  openness = c("O1", "-O2", "O3", "O4", "-O5")
)
items <- bfi[, 1:25]
scored <- scoreItems(keys, items, impute = "none", min = 1, max = 6)
out <- data.frame(rownames = rownames(bfi), scored$scores, check.names = FALSE)
write.csv(out, "tests/reference/expected/scoring_bfi_means.csv", row.names = FALSE)
totals <- scoreItems(keys, items, impute = "none", totals = TRUE, min = 1, max = 6)
out <- data.frame(rownames = rownames(bfi), totals$scores, check.names = FALSE)
write.csv(out, "tests/reference/expected/scoring_bfi_totals.csv", row.names = FALSE)
cat("psych", as.character(packageVersion("psych")), "\n")
