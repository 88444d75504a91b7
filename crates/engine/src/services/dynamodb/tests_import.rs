//! ImportTable, DescribeImport, ListImports.
