# Reference values for tests/test_simulate.py: the bundled synthetic case school (data/example), read straight from
# its 问卷星 按序号 download with readxl, scored and regressed in R.
# Run from the repository root:  Rscript tests/reference/simulate.R
# Produced with R 4.2.2, psych 2.2.9, readxl and yaml (Debian packages).
suppressMessages({library(readxl); library(yaml); library(psych)})
inst <- yaml::read_yaml("surveys/parent.yaml")
file <- Sys.glob("data/example/*_按序号_*.xlsx")
raw <- as.data.frame(read_excel(file, sheet = "Sheet1"))
# question headers are "<n>、<zh text>": match each item by its text
text <- sub("^[0-9]+、", "", names(raw))
items <- do.call(rbind, lapply(inst$items, function(it) data.frame(
  id = it$id, construct = it$construct, scale = it$scale,
  reverse = isTRUE(it$reverse), text = it$text$zh, stringsAsFactors = FALSE)))
codes <- sapply(seq_len(nrow(items)), function(i) {
  x <- as.numeric(raw[[which(text == items$text[i])]])
  x[x == 6] <- NA                        # option 6 of A5_dk: 不了解 (don't know) is missing
  if (items$reverse[i]) x <- 6 - x       # reverse-keyed: 6 - x
  x
})
colnames(codes) <- items$id
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
