using HTagKube.Bench;
using HTagKube.Bench.Cluster;

// `make bench` = dotnet run -c Release --project tests/Bench -- [--quick] [--only cold,burst,rtt,memory,lean] [--no-r2r]
// Loopback only; every phase bounded in count and time; writes docs/benchmarks.md and docs/benchmarks.json.
// `make bench ARGS=--cluster`: the cluster bench against $KUBECONFIG (ClusterBench), its own section of docs/benchmarks.md.
var options = BenchOptions.Parse(args);
if (options is null) return 2;
return options.Cluster ? await new ClusterBench(options).RunAsync() : await new Bench(options).RunAsync();
