using System.Text.RegularExpressions;
using Mkcdrec.Core.Rescue;

namespace Mkcdrec.Core.Tests.Rescue;

/// <summary>
/// The keys medium in the rescue scripts (docs/secrets.md): functions of /init and the menu run in busybox sh, with
/// the commands they call (mount, blkid lookups, mkcdrec) replaced by shell functions and /run/mkcdrec by a test directory.
/// </summary>
public sealed class KeysMediumScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-scripts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Functions(string script, params string[] names) => RescueScripts.Functions(script, _dir, names);

    private static string Sh(string script)
    {
        var r = RescueScripts.Sh(script);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.StdErr}\n{r.StdOut}");
        return r.StdOut;
    }

    /// <summary>find_keys of /init: `labelled` answers <paramref name="device"/> from the <paramref name="foundAfter"/>th look on.</summary>
    private string FindKeys(string label, int wait, string device, int foundAfter, bool mountWorks = true) => Sh($$"""
        rm -f {{_dir}}/looks
        labelled() { echo "$1" >>{{_dir}}/looks; [ "$1" = "{{label}}" ] && [ $(wc -l <{{_dir}}/looks) -ge {{foundAfter}} ] && echo "{{device}}"; }
        mount() { echo "mount $*"; {{(mountWorks ? "return 0" : "return 32")}}; }
        sleep() { echo "sleep $1"; }
        log() { echo "log: $*"; }
        KEYS_LABEL={{label}} KEYS_WAIT={{wait}}
        {{Functions("init", "find_keys")}}
        find_keys; echo "rc=$? KEYS=$KEYS KEYS_DEV=$KEYS_DEV looks=$(wc -l <{{_dir}}/looks)"
        """);

    [Fact]
    public void Init_mounts_the_keys_medium_read_only_where_the_menu_finds_it()
    {
        var o = FindKeys("MKCDREC-KEYS", 1, "/dev/sdb1", 1);
        Assert.Contains($"mount -o ro,nosuid,nodev,noexec /dev/sdb1 {_dir}/keys", o);
        Assert.Contains($"log: keys medium MKCDREC-KEYS: /dev/sdb1 mounted read-only at {_dir}/keys", o);
        Assert.Contains($"rc=0 KEYS={_dir}/keys KEYS_DEV=/dev/sdb1 looks=1", o);
        Assert.Equal("/dev/sdb1\n", File.ReadAllText(Path.Combine(_dir, "keys.dev")));
        Assert.DoesNotContain("sleep", o);
    }

    [Fact]
    public void Init_looks_once_for_the_default_label_and_says_it_found_none()
    {
        var o = FindKeys("MKCDREC-KEYS", 1, "/dev/sdb1", 99);
        Assert.Contains("log: no keys medium labelled MKCDREC-KEYS", o);
        Assert.Contains("rc=1 KEYS= KEYS_DEV= looks=1", o);
        Assert.DoesNotContain("sleep", o);
        Assert.DoesNotContain("mount", o);
    }

    [Fact]
    public void Init_waits_up_to_20_seconds_for_a_label_given_on_the_kernel_command_line()
    {
        var none = FindKeys("MYKEYS", 20, "/dev/sr1", 99);
        Assert.Contains("looks=20", none);
        Assert.Equal(19, Regex.Count(none, "sleep 1"));
        Assert.Contains("log: no keys medium labelled MYKEYS", none);

        var late = FindKeys("MYKEYS", 20, "/dev/sr1", 3);
        Assert.Equal(2, Regex.Count(late, "sleep 1"));
        Assert.Contains($"rc=0 KEYS={_dir}/keys KEYS_DEV=/dev/sr1", late);
    }

    [Fact]
    public void Init_goes_on_without_a_keys_medium_it_cannot_mount()
    {
        var o = FindKeys("MKCDREC-KEYS", 1, "/dev/sdb1", 1, mountWorks: false);
        Assert.Contains("cannot be mounted", o);
        Assert.Contains("rc=1 KEYS= ", o);
    }

    [Fact]
    public void Init_reads_the_kernel_options_and_hands_them_to_the_menu()
    {
        var init = RescueSystemBuilder.Resource("init");
        Assert.Contains("mkcdrec.keys=*) KEYS_LABEL=${arg#*=} KEYS_WAIT=20 ;;", init);
        Assert.Contains("mkcdrec.secret-timeout=*) SECRET_TIMEOUT=${arg#*=} ;;", init);
        var env = init[init.IndexOf("cat >/run/mkcdrec/boot.env", StringComparison.Ordinal)..];
        foreach (var v in new[] { "KEYS='$KEYS'", "KEYS_LABEL='$KEYS_LABEL'", "KEYS_DEV='$KEYS_DEV'", "SECRET_TIMEOUT='$SECRET_TIMEOUT'" })
        {
            Assert.Contains(v, env[..env.IndexOf("\nEOF", StringComparison.Ordinal)]);
        }

        Assert.DoesNotContain("cp ", init[init.IndexOf("find_keys()", StringComparison.Ordinal)..init.IndexOf("# --- ssh", StringComparison.Ordinal)]);
    }

    /// <summary>The menu's recover, with mkcdrec printing its arguments one per line.</summary>
    private string MenuRecover(string keys, string keysDisk, string call) => Sh($$"""
        mkcdrec() { for a in "$@"; do echo "arg: $a"; done; }
        need_backup() { return 0; }
        BACKUP=/run/mkcdrec/medium/backup KEYS='{{keys}}' SECRET_TIMEOUT=45 AUTO=recover TTY=/dev/ttyS0 PRIMARY=ttyS0 DRILL=
        reboot() { echo reboot; }
        sync() { :; }
        sleep() { :; }
        {{Functions("menu", "secrets_args", "recover", "report", "auto_recover")}}
        keys_disk() { echo '{{keysDisk}}'; }
        {{call}}
        """);

    private static List<string> Args(string output) =>
        [.. output.Split('\n').Where(l => l.StartsWith("arg: ", StringComparison.Ordinal)).Select(l => l[5..])];

    [Fact]
    public void The_menu_gives_every_recover_the_keys_medium_and_excludes_its_disk()
    {
        var o = MenuRecover("/run/mkcdrec/keys", "sdc", "recover --map vda=/dev/vdb");
        Assert.Equal(["recover", "--backup", "/run/mkcdrec/medium/backup", "--secrets", "/run/mkcdrec/keys", "--exclude-disk", "/dev/sdc", "--map", "vda=/dev/vdb"], Args(o));

        // An optical drive is never a disk to exclude (--exclude-disk would not find it).
        Assert.Equal(["recover", "--backup", "/run/mkcdrec/medium/backup", "--secrets", "/run/mkcdrec/keys"], Args(MenuRecover("/run/mkcdrec/keys", "sr1", "recover")));

        // No keys medium: nothing added.
        Assert.Equal(["recover", "--backup", "/run/mkcdrec/medium/backup"], Args(MenuRecover("", "", "recover")));
    }

    [Fact]
    public void The_unattended_recovery_passes_the_secret_timeout_on()
    {
        var o = MenuRecover("/run/mkcdrec/keys", "sr1", "auto_recover");
        Assert.Equal(["recover", "--backup", "/run/mkcdrec/medium/backup", "--secrets", "/run/mkcdrec/keys", "--unattended", "--yes", "--secret-timeout", "45"], Args(o));
        Assert.True(File.Exists(Path.Combine(_dir, "auto.started")));
    }

    [Fact]
    public void The_keep_degraded_flag_reaches_every_recover_the_menu_starts()
    {
        var o = MenuRecover("", "", "KEEP_DEGRADED=1; auto_recover");
        Assert.Equal(["recover", "--backup", "/run/mkcdrec/medium/backup", "--keep-degraded", "--unattended", "--yes", "--secret-timeout", "45"], Args(o));
        var init = RescueSystemBuilder.Resource("init");
        Assert.Contains("mkcdrec.keep-degraded) KEEP_DEGRADED=1 ;;", init);
        Assert.Contains("KEEP_DEGRADED='$KEEP_DEGRADED'", init[init.IndexOf("cat >/run/mkcdrec/boot.env", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void A_hostname_and_a_new_identity_from_the_kernel_command_line_reach_every_recover()
    {
        var o = MenuRecover("", "", "NEW_HOSTNAME=web3 NEW_IDENTITY=1; auto_recover");
        Assert.Equal(["recover", "--backup", "/run/mkcdrec/medium/backup", "--hostname", "web3", "--new-machine-id", "--new-ssh-host-keys", "--unattended", "--yes", "--secret-timeout", "45"], Args(o));
        var init = RescueSystemBuilder.Resource("init");
        Assert.Contains("mkcdrec.hostname=*) NEW_HOSTNAME=${arg#*=} ;;", init);
        Assert.Contains("mkcdrec.new-identity) NEW_IDENTITY=1 ;;", init);
        var env = init[init.IndexOf("cat >/run/mkcdrec/boot.env", StringComparison.Ordinal)..];
        Assert.Contains("NEW_HOSTNAME='$NEW_HOSTNAME'", env);
        Assert.Contains("NEW_IDENTITY='$NEW_IDENTITY'", env);
    }

    [Fact]
    public void The_unattended_recovery_reports_its_phases_to_serve()
    {
        var reports = Path.Combine(_dir, "reports");
        var o = MenuRecover("", "", $"REPORT_URL=http://10.77.0.1:8080/report; busybox() {{ echo \"report: $*\" >>{reports}; }}; auto_recover; cat {reports}");
        Assert.Contains("report: timeout 5 busybox wget -q -O /dev/null --post-data phase=recovering unattended http://10.77.0.1:8080/report\n", o);
        Assert.Contains("report: timeout 5 busybox wget -q -O /dev/null --post-data phase=recovered; rebooting http://10.77.0.1:8080/report\n", o);
        Assert.True(o.IndexOf("arg: recover", StringComparison.Ordinal) < o.IndexOf("phase=recovered", StringComparison.Ordinal));
        // The recovery itself reports each of its phases there too (ReportingRecoveryHooks).
        Assert.Equal(["recover", "--backup", "/run/mkcdrec/medium/backup", "--report-url", "http://10.77.0.1:8080/report", "--unattended", "--yes", "--secret-timeout", "45"], Args(o));
        File.Delete(reports);
        File.Delete(Path.Combine(_dir, "auto.started"));
        var quiet = MenuRecover("", "", $"busybox() {{ echo \"report: $*\" >>{reports}; }}; auto_recover; cat {reports} 2>/dev/null; true");
        Assert.DoesNotContain("report:", quiet);
        Assert.DoesNotContain("--report-url", quiet);
    }

    [Theory]
    [InlineData("web3", "web3")]
    [InlineData("web-3", "web-3")]
    [InlineData("web_3", "")]
    [InlineData("-web", "")]
    [InlineData("a;reboot", "")]
    public void Init_takes_only_a_host_name_for_the_recovered_system(string given, string kept)
    {
        var init = RescueSystemBuilder.Resource("init");
        var start = init.IndexOf("case \"$NEW_HOSTNAME\" in", StringComparison.Ordinal);
        var check = init[start..(init.IndexOf("esac", start, StringComparison.Ordinal) + 4)];
        var o = Sh($"log() {{ echo \"log: $*\"; }}\nNEW_HOSTNAME='{given}' NEW_IDENTITY=1\n{check}\necho \"kept=$NEW_HOSTNAME\"");
        Assert.Contains($"kept={kept}\n", o);
        Assert.Contains(kept.Length > 0 ? $"the recovered system is to be {kept}, with a new machine-id" : "is not a host name", o);
    }

    [Fact]
    public void The_menu_shows_the_keys_medium_and_verify_reads_it()
    {
        var menu = RescueSystemBuilder.Resource("menu");
        Assert.Contains("echo \" Keys:    medium $KEYS_LABEL ($KEYS_DEV)\"", menu);
        Assert.Contains("mkcdrec verify ${KEYS:+--secrets $KEYS} \"$BACKUP\"", menu);
    }
}
