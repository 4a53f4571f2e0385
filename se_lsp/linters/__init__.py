"""The linters users already trust (clippy, clang-tidy, staticcheck, go vet), merged in."""
