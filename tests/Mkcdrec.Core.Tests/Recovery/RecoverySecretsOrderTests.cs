using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Tests.Execution;
using Mkcdrec.Core.Tests.Planning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Recovery;

/// <summary>A whole recovery session stops for a missing secret before the backup check and before any command or disk write.</summary>
public sealed class RecoverySecretsOrderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-session-secrets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Unattended(Func<string, TimeSpan?, string?> ask) : IRecoveryUser
    {
        public bool CanAsk => true;

        public Action<string>? Progress => null;

        public bool Confirm(string summary) => throw new InvalidOperationException("an unattended recovery never confirms");

        public string? AskSecret(string prompt, TimeSpan? timeout) => ask(prompt, timeout);

        public void Notice(string line)
        {
        }

        public void Warn(string warning)
        {
        }

        public void ShowPlan(RecoveryPlan plan)
        {
        }
    }

    private (RecoverySession Session, NothingMayRun Machine, RecoveryRequest Request) Setup(Func<string, TimeSpan?, string?> ask)
    {
        var layout = PlanFixtures.TwoLuksPartitions();
        var layoutPath = Path.Combine(_dir, "layout.json");
        File.WriteAllText(layoutPath, LayoutSerializer.Serialize(layout));
        var tree = Directory.CreateDirectory(Path.Combine(_dir, "tree")).FullName;
        File.WriteAllText(Path.Combine(tree, "f"), "data");
        var backup = Path.Combine(_dir, "backup");
        new ArchiveCreator(new FileSystemAccess()).Create(new CreateOptions
        {
            Root = tree, Destination = backup, FilesystemId = layout.Filesystems[0].Id, Passphrase = "backup pass"u8.ToArray(), Iterations = 1000,
        });

        var rec = new MachineRecording();
        rec.Directories["/sys/block"] = ["vda"];
        rec.Files["/sys/block/vda/size"] = (10L << 30) / 512 + "\n";
        rec.DirectoryExists["/sys/block/vda"] = true;
        rec.Files["/sys/block/vda/serial"] = "SL\n";
        rec.Files["/proc/self/mountinfo"] = "";
        rec.Files["/proc/sys/kernel/arch"] = "x86_64\n"; // the layout's machine, whatever machine runs the test
        var machine = new NothingMayRun();
        var session = new RecoverySession(new RecoveryServices(machine, machine, new FileSystemAccess(), new ReplaySystemFiles(rec), NullLog.Instance), new Unattended(ask));
        var keys = Directory.CreateDirectory(Path.Combine(_dir, "keys", "luks")).FullName;
        File.WriteAllText(Path.Combine(keys, PlanFixtures.LuksRootUuid + ".passphrase"), "root pass\n");
        var request = new RecoveryRequest
        {
            LayoutPath = layoutPath, Backups = [backup], Unattended = true, Yes = true,
            JournalPath = Path.Combine(_dir, "journal.json"), SecretsDirectory = Path.GetDirectoryName(keys),
        };
        return (session, machine, request);
    }

    [Fact]
    public void An_unattended_recovery_without_a_secret_stops_before_anything_runs_naming_each_missing_one()
    {
        var (session, machine, request) = Setup((_, _) => throw new InvalidOperationException("asked without --secret-timeout"));
        var e = Assert.Throws<MkcdrecException>(() => session.Recover(request));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("no disk was touched", e.Message, StringComparison.Ordinal);
        Assert.Contains("The encrypted backup: no passphrase", e.Message, StringComparison.Ordinal);
        Assert.Contains($"LUKS {PlanFixtures.LuksHomeUuid} (was on /dev/sda2): no key", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PlanFixtures.LuksRootUuid, e.Message, StringComparison.Ordinal);
        Assert.Empty(machine.Touched);
        Assert.False(File.Exists(request.JournalPath));
    }

    [Fact]
    public void With_a_secret_timeout_it_asks_on_its_console_and_a_timeout_stops_it_before_anything_runs()
    {
        var asked = new List<(string Prompt, TimeSpan? Timeout)>();
        var (session, machine, request) = Setup((p, t) => { asked.Add((p, t)); return null; });
        var e = Assert.Throws<MkcdrecException>(() => session.Recover(request with { SecretTimeout = TimeSpan.FromSeconds(20) }));
        Assert.Contains("nobody typed it in time", e.Message, StringComparison.Ordinal);
        var (prompt, timeout) = Assert.Single(asked); // the first timeout ends it
        Assert.Equal(TimeSpan.FromSeconds(20), timeout);
        Assert.Contains("the encrypted backup", prompt, StringComparison.Ordinal);
        Assert.Contains("keys medium would hold it as backup.passphrase", prompt, StringComparison.Ordinal);
        Assert.Empty(machine.Touched);
    }
}
