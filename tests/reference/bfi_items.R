# psych's bfi: `bfi_items` (the 25 items, genuine missing values kept, reverse-keyed items recoded 7 - x) and
# `bfi_model` (five factors of five items). Sourced by measurement_cfa.R and measurement_fiml.R.
bfi_items <- psych::bfi[, 1:25]
for (item in c("A1", "C4", "C5", "E1", "E2", "O2", "O5")) bfi_items[[item]] <- 7 - bfi_items[[item]]
bfi_model <- paste(
  "agree =~ A1 + A2 + A3 + A4 + A5", "conscientious =~ C1 + C2 + C3 + C4 + C5",
  "extraversion =~ E1 + E2 + E3 + E4 + E5", "neuroticism =~ N1 + N2 + N3 + N4 + N5",
  "openness =~ O1 + O2 + O3 + O4 + O5", sep = "\n")
