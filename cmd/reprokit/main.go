// Command reprokit runs, minimizes and reports upstream bug repros.
package main

import (
	"os"

	"github.com/reprokit/reprokit/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
