using HTagKube.Bench;

// `make bench` = dotnet run -c Release --project tests/Bench -- [--quick] [--only cold,burst,rtt,memory,lean] [--no-r2r]
// Loopback only; every phase bounded in count and time; writes docs/benchmarks.md and docs/benchmarks.json.
var options = BenchOptions.Parse(args);
if (options is null) return 2;
return await new Bench(options).RunAsync();
