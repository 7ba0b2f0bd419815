using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Embedded.Benchmarks -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
