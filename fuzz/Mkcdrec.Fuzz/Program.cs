using Mkcdrec.Fuzz;
using SharpFuzz;

// Usage: Mkcdrec.Fuzz TARGET               (under afl-fuzz: fuzz/run.sh)
//        Mkcdrec.Fuzz TARGET FILE...       (replay inputs, e.g. a crasher, without AFL; exit 1 on a bug)
if (args.Length == 0 || !FuzzTargets.All.ContainsKey(args[0]))
{
    Console.Error.WriteLine($"usage: Mkcdrec.Fuzz {string.Join('|', FuzzTargets.All.Keys)} [FILE...]");
    return 2;
}

var target = args[0];
if (args.Length > 1)
{
    var failed = 0;
    foreach (var file in args[1..])
    {
        try
        {
            var refusal = FuzzTargets.Run(target, File.ReadAllBytes(file));
            Console.WriteLine($"{file}: {(refusal is null ? "accepted" : "refused cleanly: " + refusal)}");
        }
        catch (Exception e)
        {
            Console.WriteLine($"{file}: BUG {e}");
            failed++;
        }
    }

    return failed == 0 ? 0 : 1;
}

// Inputs beyond 1 MiB teach nothing the corpus sizes don't and slow every execution.
const int MaxInput = 1 << 20;
Fuzzer.OutOfProcess.Run(stream =>
{
    var data = new byte[MaxInput];
    var n = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
    FuzzTargets.Run(target, data[..n]);
});
return 0;
