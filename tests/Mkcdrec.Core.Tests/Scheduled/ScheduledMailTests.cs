using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Scheduled;

namespace Mkcdrec.Core.Tests.Scheduled;

/// <summary>When a scheduled run is mailed, to whom, with what, and what the summary says when it could not be.</summary>
public sealed class ScheduledMailTests
{
    private sealed class Sendmail(bool present, int exit = 0) : IProcessRunner
    {
        public List<ProcessRequest> Ran { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            Ran.Add(request);
            return new ProcessResult(exit, "", exit == 0 ? "" : "sendmail: fatal: no route\n", TimeSpan.Zero);
        }

        public bool CanRun(string program) => present && program == "sendmail";
    }

    private static readonly ScheduledOutcome Failed = new("backup", 6, "backup: FAILED (exit 6) after 12 s: The pre-backup hook failed",
        [.. Enumerable.Range(1, 70).Select(i => $"line {i}"), "."]);

    private static readonly ScheduledOutcome Ok = new("backup", 0, "backup: ok in 5 s: Wrote 1 ISO(s)", ["Wrote 1 ISO(s)"]);

    [Fact]
    public void A_failure_is_mailed_with_the_summary_the_last_lines_and_the_log()
    {
        var s = new Sendmail(present: true);
        var note = ScheduledMail.SendIfDue(s, NullLog.Instance, new MailSettings(["ops@example.org", "root"], false), "db1", Failed, "/var/log/mkcdrec/x.log");
        Assert.Null(note);
        var r = Assert.Single(s.Ran);
        Assert.Equal("sendmail -oi -t", r.CommandLine);
        var m = r.StandardInput!;
        Assert.StartsWith("To: ops@example.org, root\nSubject: mkcdrec on db1: scheduled backup FAILED (exit 6)\n", m);
        Assert.Contains("\n\nbackup: FAILED (exit 6) after 12 s: The pre-backup hook failed\n\nThe last 60 lines of its output:\n  line 12\n", m);
        Assert.DoesNotContain("  line 11\n", m);
        Assert.Contains("\n  .\n", m); // a lone dot cannot end the message early
        Assert.EndsWith("The log of this run on db1: /var/log/mkcdrec/x.log\n", m);
    }

    [Fact]
    public void Success_is_mailed_only_when_asked_and_nothing_without_recipients()
    {
        var s = new Sendmail(present: true);
        Assert.Null(ScheduledMail.SendIfDue(s, NullLog.Instance, new MailSettings(["root"], false), "db1", Ok, null));
        Assert.Null(ScheduledMail.SendIfDue(s, NullLog.Instance, MailSettings.None, "db1", Failed, null));
        Assert.Empty(s.Ran);
        Assert.Null(ScheduledMail.SendIfDue(s, NullLog.Instance, new MailSettings(["root"], true), "db1", Ok, null));
        Assert.Contains("Subject: mkcdrec on db1: scheduled backup ok\n", Assert.Single(s.Ran).StandardInput);
    }

    [Fact]
    public void Without_sendmail_or_when_it_fails_the_summary_says_so()
    {
        var none = ScheduledMail.SendIfDue(new Sendmail(present: false), NullLog.Instance, new MailSettings(["root"], false), "db1", Failed, null);
        Assert.Equal("mail to root not sent: no sendmail on this machine (install a mail transfer agent, e.g. postfix or msmtp-mta)", none);
        var broken = ScheduledMail.SendIfDue(new Sendmail(present: true, exit: 75), NullLog.Instance, new MailSettings(["root"], false), "db1", Failed, null);
        Assert.Equal("mail to root failed (sendmail exit 75: sendmail: fatal: no route)", broken);
    }

    [Theory]
    [InlineData("ops@example.org", null)]
    [InlineData("root, ops@example.org", null)]
    [InlineData("", "no address is given")]
    [InlineData("-oQ/tmp", "'-oQ/tmp' is not an address (user@host or a local user name)")]
    [InlineData("a@b@c", "'a@b@c' is not an address (user@host or a local user name)")]
    [InlineData("Ops <ops@example.org>", "'<ops@example.org>' is not an address (user@host or a local user name)")]
    public void Recipients_are_plain_addresses(string value, string? error) => Assert.Equal(error, MailSettings.Check(value));
}
