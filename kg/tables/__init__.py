"""Tables in: the table contract (:mod:`.schema`), reading and tidying CSV tables (:mod:`.read`), Excel
workbooks (:mod:`.workbook`), and a whole dataset read and checked (:mod:`.dataset`)."""
