"""Finding and running the project's own toolchains, without writing into its tree."""
