#!/bin/sh
# Lint as a test: clang-format (kernel style, .clang-format) and cppcheck on
# every C file of the project. Usage: lint.sh SRCDIR format|cppcheck
set -u
cd "$1" || exit 1
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find agent bpf tests -name '*.[ch]')
case "$2" in
format)
	# shellcheck disable=SC2086
	clang-format --dry-run -Werror $files
	;;
cppcheck)
	# shellcheck disable=SC2086
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
		--inline-suppr --suppress=missingIncludeSystem -D__x86_64__ \
		-I agent -I bpf $(echo "$files" | tr ' ' '\n' | grep -E '^agent/.*\.c$')
	;;
esac
