# Reference values for tests/io/test_responses.py: the import fixtures read by R's own readers.
# Run from the repository root:  Rscript tests/reference/import.R
# Produced with R 4.2.2, haven 2.5.1 and readxl 1.4.2 (Debian r-cran-haven, r-cran-readxl).
suppressMessages({library(haven); library(readxl)})
fixtures <- "tests/fixtures/import"

# SPSS: haven::read_sav(user_na = TRUE) keeps user-missing codes and flags them (labelled_spss na_values)
sav <- read_sav(file.path(fixtures, "spss_parent.sav"), user_na = TRUE)
items <- setdiff(names(sav), "序号")
numeric_items <- items[vapply(sav[items], is.numeric, logical(1))]
codes <- as.data.frame(lapply(sav[numeric_items], function(x) as.numeric(zap_missing(x))))
user_na <- as.data.frame(lapply(sav[numeric_items], function(x) as.integer(is.na(x) & !is.na(unclass(x)))))
raw <- as.data.frame(lapply(sav[numeric_items], function(x) as.numeric(unclass(x))))
write.csv(cbind(respondent_id = as.character(sav[["序号"]]), codes), "tests/reference/expected/import_sav_codes.csv",
          row.names = FALSE, na = "")
write.csv(cbind(respondent_id = as.character(sav[["序号"]]), raw), "tests/reference/expected/import_sav_raw.csv",
          row.names = FALSE, na = "")
write.csv(cbind(respondent_id = as.character(sav[["序号"]]), user_na),
          "tests/reference/expected/import_sav_user_na.csv", row.names = FALSE)

# 问卷星 2016 按序号 .xls: readxl's cell values (option positions, -3 = skipped) in file order
xls <- read_excel(file.path(fixtures, "wjx2016", "All_Data_Original.xls"))
write.csv(xls, "tests/reference/expected/import_wjx2016_index_cells.csv", row.names = FALSE, na = "")
cat("haven", as.character(packageVersion("haven")), "readxl", as.character(packageVersion("readxl")), "\n")

# Real-export variants (tests/fixtures/import/variants, written by make_variants.py): every numeric variable of each
# .sav as haven reads it with user_na = TRUE — the stored value and whether haven counts it missing (is.na() is TRUE
# for a declared user-missing value, whatever the scale), and string variables as text; dates as text.
variants <- file.path(fixtures, "variants")
cells <- list()
for (name in c("spss_user_missing.sav", "spss_minus3.sav", "spss_string_labels.sav", "wjx_spss_download.sav",
               "spss_out_of_range_date.sav")) {
  sav <- read_sav(file.path(variants, name), user_na = TRUE)
  for (variable in names(sav)) {
    x <- sav[[variable]]
    text <- if (inherits(x, "POSIXct")) format(x, "%Y-%m-%d %H:%M:%S", tz = "UTC") else as.character(unclass(x))
    cells[[length(cells) + 1]] <- data.frame(
      file = name, variable = variable, row = seq_along(x), value = text,
      is_na = as.integer(is.na(x)), stringsAsFactors = FALSE
    )
  }
}
write.csv(do.call(rbind, cells), "tests/reference/expected/import_variants_sav.csv", row.names = FALSE, na = "")
