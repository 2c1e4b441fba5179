# Reference values for tests/render/test_tables.py (the EFA section of the report): KMO, Bartlett's test and a
# 13-factor minres/oblimin EFA of the bundled case school's kept parents, read straight from the 问卷星 按序号
# download with readxl (tests/reference/example_parent.R), complete rows over all 51 items (listwise).
# Rotation-invariant results are compared (communalities, total variance explained), so that psych's ordering and
# reflection of factors does not matter.
# Run from the repository root:  Rscript tests/reference/exploratory_example.R
# Produced with R 4.2.2, psych 2.2.9, GPArotation 2022.10-2 (Debian r-cran-* packages).
suppressMessages({library(psych); library(GPArotation)})
source("tests/reference/example_parent.R")  # inst, raw, items, codes (keyed) of the bundled 按序号 file
excluded <- read.csv("tests/reference/expected/example_parent_exclusions.csv", fileEncoding = "UTF-8-BOM")
kept <- as.data.frame(codes[!(raw[["序号"]] %in% excluded$respondent_id), items$id])
complete <- na.omit(kept)
r <- cor(complete)
k <- KMO(r)
b <- cortest.bartlett(r, n = nrow(complete))
f <- fa(complete, nfactors = length(inst$constructs), fm = "minres", rotate = "oblimin", warnings = FALSE)
out <- data.frame(item = c("(overall)", items$id), n = nrow(complete), kmo = c(k$MSA, k$MSAi[items$id]),
                  communality = c(NA, f$communality[items$id]))
out$bartlett_chisq <- b$chisq
out$bartlett_df <- b$df
out$cumulative_variance <- sum(f$communality) / ncol(complete)
write.csv(out, "tests/reference/expected/example_parent_exploratory.csv", row.names = FALSE)
cat("psych", as.character(packageVersion("psych")), "GPArotation", as.character(packageVersion("GPArotation")), "\n")
