# Reference values for the design effect of icc() (tests/findings/test_multilevel.py): Kish's design effect of a
# clustered sample, 1 + (mean cluster size - 1) * rho, with rho the correlation of two members of one cluster from
# the REML null model of lme4 (two levels: tau / (tau + sigma^2); classes in schools: (tau_school + tau_class) / total).
#   multilevel::lq2002 (2,042 soldiers in 49 companies; LEAD, TSIG, HOSTILE), mlmRev::Exam (normexam, standLRT by
#   school), mlmRev::egsingle (math, children in schools)
# Run from the repository root:  Rscript tests/reference/findings_design_effect.R
# Produced with R 4.2.2, lme4 1.1-31, multilevel 2.7, mlmRev 1.0-8 (Debian r-cran-*).
suppressMessages({library(lme4); library(multilevel)})
data(lq2002, package = "multilevel"); data(Exam, package = "mlmRev"); data(egsingle, package = "mlmRev")

two_level <- function(data, outcome, cluster) {
  d <- data[!is.na(data[[outcome]]) & !is.na(data[[cluster]]), ]
  m <- lmer(as.formula(paste(outcome, "~ 1 + (1 |", cluster, ")")), d, REML = TRUE)
  vc <- as.data.frame(VarCorr(m))
  rho <- vc$vcov[1] / sum(vc$vcov)
  size <- nrow(d) / length(unique(d[[cluster]]))
  data.frame(outcome = outcome, n = nrow(d), mean_cluster_size = size, rho = rho,
             design_effect = 1 + (size - 1) * rho)
}
rows <- rbind(
  two_level(lq2002, "LEAD", "COMPID"), two_level(lq2002, "TSIG", "COMPID"), two_level(lq2002, "HOSTILE", "COMPID"),
  two_level(Exam, "normexam", "school"), two_level(Exam, "standLRT", "school")
)
m <- lmer(math ~ 1 + (1 | schoolid / childid), egsingle, REML = TRUE)
vc <- as.data.frame(VarCorr(m))
rho <- sum(vc$vcov[vc$grp != "Residual"]) / sum(vc$vcov)
size <- nrow(egsingle) / length(unique(interaction(egsingle$schoolid, egsingle$childid, drop = TRUE)))
rows <- rbind(rows, data.frame(outcome = "math", n = nrow(egsingle), mean_cluster_size = size, rho = rho,
                               design_effect = 1 + (size - 1) * rho))
write.csv(rows, "tests/reference/expected/multilevel_design_effect.csv", row.names = FALSE)
print(rows, digits = 10)
