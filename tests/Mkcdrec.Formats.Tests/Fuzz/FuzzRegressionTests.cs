using Mkcdrec.Fuzz;

namespace Mkcdrec.Formats.Tests.Fuzz;

/// <summary>
/// The fuzz harness without AFL: every seed of fuzz/corpus and every input AFL found a bug with (Fuzz/crashers/TARGET/)
/// goes through the harness's own targets. Seeds must be accepted; crashers accepted or refused with
/// <see cref="InvalidDataException"/>, within the allocation budget and in seconds, never a hang.
/// </summary>
public class FuzzRegressionTests
{
    private static readonly string Corpus = Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus");
    private static readonly string Crashers = Path.Combine(AppContext.BaseDirectory, "Fuzz", "crashers");

    // A parse of these inputs takes milliseconds; the fuzzer calls 5 s a hang. Under user-mode emulation (test.sh's
    // arm64 tier sets MKCDREC_TEST_EMULATED=1) the first parse JIT-compiles the JSON stack at a twentieth of the speed.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(Environment.GetEnvironmentVariable("MKCDREC_TEST_EMULATED") == "1" ? 100 : 5);

    public static TheoryData<string, string> Seeds() => Files(Corpus);

    public static TheoryData<string, string> CrasherFiles() => Files(Crashers);

    private static TheoryData<string, string> Files(string dir)
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(Path.GetDirectoryName(file)!), Path.GetFileName(file));
        }

        return data;
    }

    /// <summary>Runs the target on another thread and fails if it takes longer than <see cref="Bound"/>.</summary>
    private static string? RunBounded(string target, string path)
    {
        var data = File.ReadAllBytes(path);
        var run = Task.Run(() => FuzzTargets.Run(target, data));
        Assert.True(run.Wait(Bound), $"{target} took more than {Bound.TotalSeconds} s on {path}");
        return run.Result;
    }

    [Fact]
    public void Every_target_has_seeds_and_nothing_else_does()
    {
        var dirs = Directory.GetDirectories(Corpus).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(FuzzTargets.All.Keys.Order(StringComparer.Ordinal), dirs);
        Assert.All(dirs, d => Assert.NotEmpty(Directory.GetFiles(Path.Combine(Corpus, d!))));
        Assert.All(Directory.GetDirectories(Crashers).Select(Path.GetFileName), d => Assert.Contains(d!, FuzzTargets.All.Keys));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_seed_is_accepted(string target, string file)
    {
        Assert.Null(RunBounded(target, Path.Combine(Corpus, target, file)));
    }

    [Theory]
    [MemberData(nameof(CrasherFiles))]
    public void Every_crasher_is_read_or_refused_cleanly(string target, string file)
    {
        // Any exception but InvalidDataException, and AllocationBudgetException, propagate and fail the test.
        _ = RunBounded(target, Path.Combine(Crashers, target, file));
    }
}
