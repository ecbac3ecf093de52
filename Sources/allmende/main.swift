// main.swift: allmende. The command-line entry point; everything lives in AllmendeCLI.
import AllmendeCLI

AllmendeCommandLine.main()
