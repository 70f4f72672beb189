using Mkcdrec.Core.Drill;

namespace Mkcdrec.Core.Tests.Drill;

public sealed class DrillJudgementTests
{
    private static string Compare(string root, params string[] changed) =>
        new CompareSummary { Root = root, Files = 100, Changed = [.. changed] }.ToJson();

    [Fact]
    public void A_clones_console_gives_its_identity_and_its_new_host_keys_count_as_the_recoverys_writes()
    {
        var r = new DrillReport();
        var error = DrillJudgement.ReadAll(
        [
            "MKCDREC-DRILL recovery-started",
            "MKCDREC-DRILL restore-compare " + Compare("/"),
            "MKCDREC-DRILL finalize-wrote [\"/etc/hostname\",\"/etc/ssh/ssh_host_ed25519_key\",\"/etc/ssh/ssh_host_ed25519_key.pub\"]",
            "[   12.0] random: crng init done MKCDREC-DRILL booted 6.1.0-28-amd64", // a kernel message may precede it
            "MKCDREC-DRILL hostname web2",
            "MKCDREC-DRILL machine-id 0123456789abcdef0123456789abcdef",
            "MKCDREC-DRILL ssh-host-key 256 SHA256:AbCd root@mkcdrec-ref (ED25519)",
            "MKCDREC-DRILL boot-compare " + Compare("/", "etc/hostname (content)", "etc/ssh/ssh_host_ed25519_key (content)", "etc/ssh (mtime 1→2)", "var/log/syslog (size)"),
            "MKCDREC-DRILL check-done",
        ], r);
        Assert.Null(error);
        Assert.Equal(("web2", "0123456789abcdef0123456789abcdef"), (r.Hostname, r.MachineId));
        Assert.Equal(["256 SHA256:AbCd root@mkcdrec-ref (ED25519)"], r.SshHostKeys);

        DrillJudgement.Judge(r);
        Assert.True(r.Passed, string.Join('\n', r.Failures));
        Assert.Equal(["/: etc/hostname (content)", "/: etc/ssh/ssh_host_ed25519_key (content)", "/: etc/ssh (mtime 1→2)"], r.ChangedByRecovery);
        Assert.Equal(["/: var/log/syslog (size)"], r.ChangedByBoot);
    }

    [Fact]
    public void A_file_changed_that_neither_the_boot_nor_the_recovery_wrote_fails_and_an_unreadable_line_is_named()
    {
        var r = new DrillReport();
        Assert.Null(DrillJudgement.ReadAll(["MKCDREC-DRILL restore-compare " + Compare("/"), "MKCDREC-DRILL boot-compare " + Compare("/", "srv/payload/f1 (content)")], r));
        DrillJudgement.Judge(r);
        Assert.False(r.Passed);
        Assert.Equal("booted /: 1 changed, 0 missing, 0 new: changed srv/payload/f1 (content)", Assert.Single(r.Failures));

        Assert.Equal("Unreadable boot comparison: {not json", DrillJudgement.ReadAll(["MKCDREC-DRILL boot-compare {not json"], new DrillReport()));
        var none = new DrillReport();
        DrillJudgement.Judge(none);
        Assert.Equal(["The rescue system reported no comparison of the restored files.", "The booted system reported no comparison."], none.Failures);
    }
}
