# Reference values for tests/simulate/test_simulate.py: the bundled synthetic case school (data/example), read straight from
# its 问卷星 按序号 download with readxl, scored and regressed in R.
# Run from the repository root:  Rscript tests/reference/simulate.R
# Produced with R 4.2.2, psych 2.2.9, readxl and yaml (Debian packages).
suppressMessages(library(psych))
source("tests/reference/example_parent.R")  # inst, raw, items, codes (keyed) of the bundled 按序号 file
# scale means with the instrument's min-valid rule (share of items that must be answered; default 0.5)
scores <- sapply(names(inst$constructs), function(cn) {
  block <- codes[, items$id[items$construct == cn], drop = FALSE]
  share <- inst$constructs[[cn]]$min_valid
  if (is.null(share)) share <- 0.5
  need <- max(1, ceiling(share * ncol(block) - 1e-9))
  ifelse(rowSums(!is.na(block)) >= need, rowMeans(block, na.rm = TRUE), NA)
})
predictors <- c("communication", "opinion", "flexibility", "goal", "trust", "home_involvement", "school_involvement")
data <- as.data.frame(scale(na.omit(scores[, c(predictors, "effectiveness")])))
fit <- lm(reformulate(predictors, "effectiveness"), data = data)
s <- summary(fit)
out <- data.frame(term = c(predictors, "r_squared", "n"),
                  estimate = c(coef(fit)[predictors], s$r.squared, nrow(data)),
                  se = c(s$coefficients[predictors, "Std. Error"], NA, NA))
write.csv(out, "tests/reference/expected/simulate_case_regression.csv", row.names = FALSE)
alphas <- sapply(names(inst$constructs), function(cn) {
  block <- codes[, items$id[items$construct == cn], drop = FALSE]
  psych::alpha(block, use = "complete.obs", warnings = FALSE)$total$raw_alpha
})
write.csv(data.frame(construct = names(alphas), alpha = unname(alphas)),
          "tests/reference/expected/simulate_case_alpha.csv", row.names = FALSE)
cat("psych", as.character(packageVersion("psych")), "readxl", as.character(packageVersion("readxl")), "\n")
