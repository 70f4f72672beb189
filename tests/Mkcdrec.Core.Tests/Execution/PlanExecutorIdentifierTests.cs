using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Tests.Planning;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Tests.Execution;

/// <summary>A plan with identifier conflicts is refused before the first command, write or journal, saying which devices and what to do.</summary>
public sealed class PlanExecutorIdentifierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-exec-ids-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_plan_with_identifier_conflicts_is_refused_before_anything_runs_naming_each_device()
    {
        var (_, plan) = PlannerStepsTests.Make("gpt");
        plan.IdentifierConflicts =
        [
            new() { Device = "/dev/sda2", Disks = ["/dev/sda"], Kind = "UUID", Value = "6469b6c2-38d1-40c1-b8f5-1e0019a7fff2", Type = "ext4", LayoutId = "fs:ext4:6469b6c2-38d1-40c1-b8f5-1e0019a7fff2", MadeOn = "/dev/vda2" },
            new() { Device = "/dev/sda", Disks = ["/dev/sda"], Kind = "PTUUID", Value = "b6d81624-8ae9-44bc-8002-b0cb7e6a3fda", LayoutId = "partition table of /dev/vda", MadeOn = "/dev/vda" },
        ];
        var machine = new NothingMayRun();
        var journal = Path.Combine(_dir, "journal.json");
        var confirmed = false;

        var e = Assert.Throws<MkcdrecException>(() => new PlanExecutor(machine, machine, NullLog.Instance)
            .Execute(plan, new ExecutorOptions { JournalPath = journal, Yes = true, Confirm = _ => confirmed = true }));

        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Equal(7, (int)e.Code);
        Assert.Contains("/dev/sda2 (on /dev/sda): UUID 6469b6c2-38d1-40c1-b8f5-1e0019a7fff2 (ext4)", e.Message, StringComparison.Ordinal);
        Assert.Contains("/dev/sda: PTUUID b6d81624-8ae9-44bc-8002-b0cb7e6a3fda", e.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", e.Message, StringComparison.Ordinal);
        Assert.Contains("Disconnect /dev/sda", e.Hint, StringComparison.Ordinal);
        Assert.Contains("--map SRC=/dev/sda", e.Hint, StringComparison.Ordinal);
        Assert.Contains("--exclude-disk does not help", e.Hint, StringComparison.Ordinal);
        Assert.Empty(machine.Touched);
        Assert.False(confirmed);
        Assert.False(File.Exists(journal));
    }
}
