# table.awk -- the conformance table from run_node.sh's joined results.
#
# Input lines (tab-separated, sorted by operators):
#   OPS OPSET NAME BACKEND VERDICT DETAIL
# with VERDICT one of PASS, FAIL, XFAIL, XPASS, EXCL.  Variables:
#   fmt  "text" or "md";  bes  the backends, space-separated, in column order.
# One row per operator set: opsets seen, cases, excluded cases, and per
# backend passed/total where total counts the cases that are not excluded.
BEGIN { FS = "\t"; nb = split(bes, B, " ") }

{
	op = $1; be = $4; v = $5
	if (!(op in seen)) {
		seen[op] = 1
		order[++nops] = op
	}
	if (index(" " opsets[op] " ", " " $2 " ") == 0)
		opsets[op] = opsets[op] (opsets[op] == "" ? "" : " ") $2
	if (be == B[1]) {
		cases[op]++
		if (v == "XFAIL" || v == "XPASS" || v == "EXCL")
			excl[op]++
	}
	if (v == "PASS")
		pass[op, be]++
	if (v == "PASS" || v == "FAIL")
		total[op, be]++
}

function row(name, ops, ncases, nexcl, cells,    b) {
	if (fmt == "md") {
		printf "| %s | %s | %d | %d |", name, ops, ncases, nexcl
		for (b = 1; b <= nb; b++)
			printf " %s |", cells[b]
	} else {
		printf "%-22s %-8s %5d %5d", name, ops, ncases, nexcl
		for (b = 1; b <= nb; b++)
			printf "  %9s", cells[b]
	}
	printf "\n"
}

END {
	if (fmt == "md") {
		printf "| Operator | Opsets | Cases | Excluded |"
		for (b = 1; b <= nb; b++)
			printf " %s passed |", B[b]
		printf "\n|---|---|---:|---:|"
		for (b = 1; b <= nb; b++)
			printf "---:|"
		printf "\n"
	} else {
		printf "%-22s %-8s %5s %5s", "operator", "opsets", "cases", "excl"
		for (b = 1; b <= nb; b++)
			printf "  %9s", B[b] " pass"
		printf "\n"
	}
	for (i = 1; i <= nops; i++) {
		op = order[i]
		for (b = 1; b <= nb; b++) {
			cell[b] = sprintf("%d/%d", pass[op, B[b]], total[op, B[b]])
			tp[b] += pass[op, B[b]]
			tt[b] += total[op, B[b]]
		}
		row(op, opsets[op], cases[op], excl[op], cell)
		tc += cases[op]
		te += excl[op]
	}
	for (b = 1; b <= nb; b++)
		cell[b] = sprintf(fmt == "md" ? "**%d/%d**" : "%d/%d", tp[b], tt[b])
	row(fmt == "md" ? "**all**" : "all", "", tc, te, cell)
}
