using BenchmarkDotNet.Running;
using Embedded.Benchmarks;

// dotnet run -c Release --project bench/Embedded.Benchmarks -- --filter '*' [--job short]
// dotnet run -c Release --project bench/Embedded.Benchmarks -- docker-start [--n 10,50] [--runs 5]
if (args.Length > 0 && args[0] == "docker-start") return await DockerStartBenchmark.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
