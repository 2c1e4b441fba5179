# Reference values for tests/findings/test_gap.py: the perception gap on the bundled example. The inputs are the
# parents' and teachers' scale scores (trust, goal, effectiveness) with their class links, as run_study scores
# them from data/example (tests/findings/test_multilevel_example.py checks they still are); a teacher's
# class_codes may list several classes ("S01C0703,S01C0704") and the teacher counts towards each.
# Run from the repository root:  Rscript tests/reference/findings_gap.R
# Produced with R 4.2.2 (stats: aggregate, t.test, wilcox.test, cor.test) and multilevel 2.7 (ICC2).
suppressMessages({library(multilevel); library(jsonlite)})
out <- "tests/reference/expected/"
parents <- read.csv(paste0(out, "gap_example_parents.csv"))
teachers <- read.csv(paste0(out, "gap_example_teachers.csv"))
links <- strsplit(teachers$class_codes, ",")
teachers_long <- teachers[rep(seq_len(nrow(teachers)), lengths(links)), ]
teachers_long$class <- trimws(unlist(links))
constructs <- c("trust", "goal", "effectiveness")
p_means <- aggregate(parents[constructs], list(class = parents$class_code), mean)
t_means <- aggregate(teachers_long[constructs], list(class = teachers_long$class), mean)
matched <- merge(p_means, t_means, by = "class", suffixes = c("_parent", "_teacher"))
rows <- list(); class_rows <- list()
for (k in constructs) {
  p <- matched[[paste0(k, "_parent")]]; t <- matched[[paste0(k, "_teacher")]]
  tt <- t.test(p, t, paired = TRUE)
  w <- wilcox.test(p, t, paired = TRUE)
  r <- cor.test(p, t)
  rows[[k]] <- data.frame(
    construct = k, n_classes = nrow(matched), parent_mean = mean(p), teacher_mean = mean(t), mean_gap = mean(p - t),
    sd_gap = sd(p - t), statistic = unname(tt$statistic), df = unname(tt$parameter), p_value = tt$p.value,
    ci_low = tt$conf.int[1], ci_high = tt$conf.int[2], cohen_dz = mean(p - t) / sd(p - t),
    wilcoxon_statistic = unname(w$statistic), wilcoxon_p_value = w$p.value, class_r = unname(r$estimate),
    class_r_p_value = r$p.value, parent_icc2 = ICC2(aov(parents[[k]] ~ factor(parents$class_code))))
  class_rows[[k]] <- data.frame(class = matched$class, construct = k, parent_mean = p, teacher_mean = t, gap = p - t)
}
write.csv(do.call(rbind, rows), paste0(out, "gap_example_tests.csv"), row.names = FALSE)
write.csv(do.call(rbind, class_rows), paste0(out, "gap_example_classes.csv"), row.names = FALSE)
unmatched <- c(setdiff(p_means$class, t_means$class), setdiff(t_means$class, p_means$class))
write_json(list(unmatched = unmatched, n_teacher_links = nrow(teachers_long)), paste0(out, "gap_example_unmatched.json"))
# ties and a zero gap: the normal approximation with continuity correction (R warns that exact p is impossible)
w <- suppressWarnings(wilcox.test(c(1, 1, 2, -1, 3, 0, 2, 2), mu = 0))
write_json(list(statistic = unname(w$statistic), p_value = w$p.value), paste0(out, "gap_wilcoxon_ties.json"),
           digits = NA, auto_unbox = TRUE)
