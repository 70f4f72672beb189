using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Drill;

/// <summary>`drill --keys DIR`: the keys ISO for the rescue machine only, and the LUKS passphrase typed at the recovered system's boot prompt.</summary>
public sealed partial class DrillWorkflowTests
{
    private const string RootUuid = "5e1f0000-aaaa-4000-8000-00000000000a";
    private const string Secret = "tr0ub4dor&3 horse";

    /// <summary>A console that stops at a prompt (no newline after it) until something is typed, then goes on with the next part.</summary>
    private sealed class PromptingVm(params (string[] Lines, string Prompt)[] parts) : IVirtualMachine
    {
        private int _part;

        public List<string> Sent { get; } = [];

        public IReadOnlyList<string> Lines =>
            [.. parts.Take(_part + 1).SelectMany((p, i) => i < _part && p.Prompt.Length > 0 ? [.. p.Lines, p.Prompt] : p.Lines)];

        public (int Index, string Text) PendingLine => (Lines.Count, parts[_part].Prompt);

        /// <summary>Ended once its last part is on the console (it waits at a prompt until answered).</summary>
        public bool HasExited => _part == parts.Length - 1;

        public int WaitForLine(Func<string, bool> match, int from, TimeSpan timeout)
        {
            var lines = Lines;
            for (var i = Math.Max(0, from); i < lines.Count; i++)
            {
                if (match(lines[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        public bool WaitForExit(TimeSpan timeout) => true;

        public void Send(string text)
        {
            Sent.Add(text);
            _part = Math.Min(_part + 1, parts.Length - 1);
        }

        public void Kill()
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class Machines(params IVirtualMachine[] machines) : IVirtualMachineHost
    {
        public List<VmSpec> Specs { get; } = [];

        public bool IsAvailable(MachineArchitecture architecture, out string? problem)
        {
            problem = null;
            return true;
        }

        public IVirtualMachine Start(VmSpec spec)
        {
            Specs.Add(spec);
            return machines[Specs.Count - 1];
        }
    }

    private sealed class Progress
    {
        public List<string> Lines { get; } = [];
    }

    private string LuksLayoutJson()
    {
        var doc = LayoutSerializer.Deserialize(LayoutJson(), "test");
        doc.Luks.Add(new LuksDevice { Id = "luks:" + RootUuid, Uuid = RootUuid, DeviceId = "disk:a/p2", MappedName = "vda2_crypt", Crypttab = new CrypttabEntry { Name = "vda2_crypt" } });
        return LayoutSerializer.Serialize(doc);
    }

    private string KeysDir(params (string Name, string Content)[] files)
    {
        var dir = Path.Combine(_dir, "keys");
        Directory.CreateDirectory(Path.Combine(dir, "luks"));
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(dir, name), content);
        }

        return dir;
    }

    private static PromptingVm UnlockingBoot() => new(
        (["[    0.0] Linux version 6.1.0-28-amd64", "Begin: Running /scripts/local-top ... "], "Please unlock disk vda2_crypt: "),
        (["cryptsetup: vda2_crypt: set up successfully", .. Boot(Summary("/", 4000), Summary("/home", 2000))], ""));

    [Fact]
    public void The_keys_medium_goes_to_the_rescue_machine_only_and_is_deleted_after_the_recovery()
    {
        var (iso, run) = Medium(LayoutJson());
        var keys = KeysDir(("backup.passphrase", "pw\n"));
        var vms = new ScriptedVms(GoodRescue, Boot(Summary("/", 4000), Summary("/home", 2000)));
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { KeysDirectory = keys, Keep = true });

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        var (dir, keysIso) = Assert.Single(run.Made);
        Assert.Equal(keys, dir);
        Assert.Equal(Path.Combine(_dir, "work", DrillKeys.IsoName), keysIso);
        Assert.Contains(run.Calls, c => c.Contains("-V MKCDREC-KEYS", StringComparison.Ordinal));
        Assert.Equal([iso, keysIso], vms.Specs[0].CdRoms);
        Assert.EndsWith(" mkcdrec.keys=MKCDREC-KEYS", vms.Specs[0].Append, StringComparison.Ordinal);
        Assert.Empty(vms.Specs[1].CdRoms);
        Assert.False(File.Exists(keysIso), "the keys medium is deleted after the recovery");
        Assert.True(File.Exists(Path.Combine(_dir, "work", "disk0.img")));
    }

    [Fact]
    public void The_keys_medium_is_deleted_when_the_recovery_fails_while_the_disks_are_kept()
    {
        var (iso, run) = Medium(LayoutJson());
        string[] rescue = [DrillProtocol.Line(DrillProtocol.RecoveryStarted), DrillProtocol.Line(DrillProtocol.RecoveryFailed, "secrets missing")];
        var report = new DrillWorkflow(run, new ScriptedVms(rescue), NullLog.Instance).Run(Options(iso) with { KeysDirectory = KeysDir() });

        Assert.False(report.Passed);
        Assert.Single(run.Made);
        Assert.False(File.Exists(run.Made[0].Iso));
        Assert.True(File.Exists(Path.Combine(_dir, "work", "disk0.img")));
    }

    [Fact]
    public void Without_keys_no_keys_medium_is_made()
    {
        var (iso, run) = Medium(LayoutJson());
        var vms = new ScriptedVms(GoodRescue, Boot(Summary("/", 4000), Summary("/home", 2000)));
        new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso));
        Assert.Empty(run.Made);
        Assert.DoesNotContain("mkcdrec.keys=", vms.Specs[0].Append, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_boot_passphrase_prompt_is_answered_from_the_keys_and_never_logged()
    {
        var (iso, run) = Medium(LuksLayoutJson());
        var keys = KeysDir(($"luks/{RootUuid.ToUpperInvariant()}.passphrase", Secret + "\n"));
        var boot = UnlockingBoot();
        var said = new List<string>();
        var log = new ListLog();
        var report = new DrillWorkflow(run, new Machines(new ScriptedVms(GoodRescue).Start(new VmSpec()), boot), log, said.Add)
            .Run(Options(iso) with { KeysDirectory = keys });

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal([Secret + "\n"], boot.Sent);
        Assert.Contains("answered the passphrase prompt for vda2_crypt", said);
        Assert.DoesNotContain(said.Concat(log.Lines).Append(report.ToJson()), l => l.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public void Any_passphrase_answers_a_container_the_layout_does_not_name()
    {
        var (iso, run) = Medium(LayoutJson());
        var boot = UnlockingBoot();
        var report = new DrillWorkflow(run, new Machines(new ScriptedVms(GoodRescue).Start(new VmSpec()), boot), NullLog.Instance)
            .Run(Options(iso) with { KeysDirectory = KeysDir(("luks/any.passphrase", "shared\nrest")) });
        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal(["shared\n"], boot.Sent);
    }

    [Theory]
    [InlineData("key", "cannot type a key file")]
    [InlineData("none", $"put it in luks/{RootUuid}.passphrase")]
    [InlineData("no --keys", "give the drill its secrets with --keys DIR")]
    public void A_prompt_the_drill_cannot_answer_fails_the_boot_check_with_the_reason(string keys, string reason)
    {
        var (iso, run) = Medium(LuksLayoutJson());
        var dir = keys switch
        {
            "key" => KeysDir(($"luks/{RootUuid}.key", Secret)),
            "none" => KeysDir(),
            _ => null,
        };
        var boot = UnlockingBoot();
        var report = new DrillWorkflow(run, new Machines(new ScriptedVms(GoodRescue).Start(new VmSpec()), boot), NullLog.Instance)
            .Run(Options(iso) with { KeysDirectory = dir });

        Assert.False(report.Passed);
        Assert.Empty(boot.Sent);
        var failure = Assert.Single(report.Failures);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
        Assert.Contains("vda2_crypt", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_passphrase_asked_for_again_was_wrong_and_fails_the_boot_check()
    {
        var (iso, run) = Medium(LuksLayoutJson());
        var boot = new PromptingVm(
            (["Begin: Running /scripts/local-top ... "], "Please unlock disk vda2_crypt: "),
            (["No key available with this passphrase."], "Please unlock disk vda2_crypt: "),
            (["never"], ""));
        var report = new DrillWorkflow(run, new Machines(new ScriptedVms(GoodRescue).Start(new VmSpec()), boot), NullLog.Instance)
            .Run(Options(iso) with { KeysDirectory = KeysDir(($"luks/{RootUuid}.passphrase", "wrong\n")) });
        Assert.False(report.Passed);
        Assert.Single(boot.Sent);
        Assert.Contains("did not unlock it", Assert.Single(report.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void The_watcher_answers_each_appearance_once_whether_pending_or_completed()
    {
        var vm = new PromptingVm((["boot"], "login: "), (["Password: x", "welcome"], "login: "), (["done"], ""));
        var watcher = new ConsolePromptWatcher(vm, [ConsolePrompt.Always("login: $", "root\n")]);
        Assert.Equal(5, watcher.WaitForLine(l => l == "done", 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(["root\n", "root\n"], vm.Sent);
        watcher.AnswerPrompts();
        Assert.Equal(2, vm.Sent.Count); // the completed prompt lines are not answered again
        Assert.Null(watcher.Refusal);
    }
}
