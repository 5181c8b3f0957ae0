package planner

// jsonbQuestionOp tells jsonb's operators ?, ?| and ?& from JDBC's ? placeholders: `?|`
// (not `?||`) and `?&` are operators, and so is a `?` whose right operand is a string
// literal (a placeholder is never followed by one). It returns the operator's length, 0 for
// a placeholder.
func jsonbQuestionOp(src string, i int) int {
	if i+1 < len(src) {
		switch src[i+1] {
		case '|':
			if i+2 >= len(src) || src[i+2] != '|' {
				return 2
			}
			return 0
		case '&':
			return 2
		}
	}
	j := i + 1
	for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\n' || src[j] == '\r') {
		j++
	}
	if j < len(src) && (src[j] == '\'' || (src[j] == 'E' || src[j] == 'e') && j+1 < len(src) && src[j+1] == '\'') {
		return 1
	}
	return 0
}
