using System.Text.RegularExpressions;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Rescue;

/// <summary>
/// Drives the rescue system's menu (src/Mkcdrec.Core/Rescue/Files/menu) over a <see cref="SerialGuest"/>'s serial
/// console: wait for the menu and read its screen, choose entries, run commands in its Shell, power off. Everything
/// waited for is searched after the previous match (<see cref="At"/>), so old output never matches again.
/// </summary>
internal sealed class RescueMenu(SerialGuest guest)
{
    public const string Prompt = "Choice [1-7]: ";

    private int _marker;

    public SerialGuest Guest { get; } = guest;

    /// <summary>Where the next wait starts in the console text.</summary>
    public int At { get; set; }

    /// <summary>Waits for the menu's prompt; returns the screen above it (from its header on).</summary>
    public string WaitForMenu(TimeSpan timeout)
    {
        var m = Expect(Regex.Escape(Prompt), timeout);
        var text = Guest.Text[..m.Index];
        var header = text.LastIndexOf(" mkcdrec rescue system for ", StringComparison.Ordinal);
        return header < 0 ? text[Math.Max(0, text.Length - 3000)..] : text[Math.Max(0, header - 80)..];
    }

    /// <summary>Waits for <paramref name="pattern"/> after <see cref="At"/>, and moves <see cref="At"/> past it.</summary>
    public Match Expect(string pattern, TimeSpan timeout)
    {
        var m = Guest.WaitFor(pattern, At, timeout);
        At = m.Index + m.Length;
        return m;
    }

    /// <summary>Types a menu choice (or any answer) and Enter.</summary>
    public void Choose(string answer) => Guest.Send(answer + "\n");

    /// <summary>Menu entry 4: waits for the shell's prompt.</summary>
    public void EnterShell()
    {
        Choose("4");
        Expect(@"rescue:.*# ", TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs a command in the Shell; returns its exit code and what it printed (with the echoed command line).</summary>
    public (int ExitCode, string Output) Run(string command, int seconds = 120)
    {
        // The marker is computed by the shell ($((…))), so the echoed command line never matches it.
        var id = "MK" + Interlocked.Increment(ref _marker);
        var from = At;
        Guest.Send(command + $"; echo {id}-$((40+2))-$?\n");
        var m = Expect($@"{id}-42-(\d+)", TimeSpan.FromSeconds(seconds));
        return (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Guest.Text[from..m.Index]);
    }

    /// <summary>Leaves the Shell; returns the menu's screen.</summary>
    public string LeaveShell()
    {
        Guest.Send("exit\n");
        return WaitForMenu(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Menu entry 5, Verify backup: asserts it passed with every volume's hashes matching, returns to the menu, and
    /// returns what verify printed.
    /// </summary>
    /// <param name="streamed">The backup is at an sftp:// or s3:// destination: each volume is read once, its chunks checked as it streams in.</param>
    public string VerifyBackup(IEnumerable<string> volumes, bool streamed = false)
    {
        var from = At;
        Choose("5");
        var done = Expect(@"verify: exit (\d+)", TimeSpan.FromMinutes(3));
        var verify = Guest.Text[from..done.Index];
        Assert.True(done.Groups[1].Value == "0", "verify failed:\n" + verify);
        Assert.All(volumes, v => Assert.Matches(streamed
            ? $@"ok +{Regex.Escape(v)}: \d+ bytes at the destination, chunk hashes checked as it streamed in"
            : $@"ok +{Regex.Escape(v)}: \d+ bytes, SHA-256 and chunk hashes match", verify));
        Assert.Contains("every content hash matches", verify, StringComparison.Ordinal);
        Expect("Press Enter to return to the menu", TimeSpan.FromSeconds(30));
        Choose("");
        WaitForMenu(TimeSpan.FromSeconds(60));
        return verify;
    }

    /// <summary>Menu entry 7: QEMU must exit (it runs with -no-reboot).</summary>
    public void PowerOff()
    {
        Choose("7");
        Expect("Powering off", TimeSpan.FromSeconds(30));
        Assert.True(Guest.WaitForExit(TimeSpan.FromSeconds(90)), "QEMU did not exit after Power off; console:\n" + SerialGuest.Tail(Guest.Text, 2000));
    }
}
