// Package mysql owns the mysql foreign-data wrapper: foreign tables on MySQL or MariaDB read
// through go-sql-driver/mysql, each value appended to its Arrow builder as it arrives;
// pushdown rendered in MySQL's dialect (backquoted names, text compared as bytes, string
// constants as hex so that no value can escape its literal); and the remote catalog
// (information_schema) IMPORT FOREIGN SCHEMA reads.
package mysql
