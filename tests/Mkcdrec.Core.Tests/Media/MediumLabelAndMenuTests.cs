using Mkcdrec.Core;
using Mkcdrec.Core.Media;

namespace Mkcdrec.Core.Tests.Media;

public class MediumLabelTests
{
    private static readonly DateOnly Day = new(2026, 11, 26);

    [Theory]
    [InlineData("web01", "MKCDREC_WEB01_20261126")]
    [InlineData("db-2.example.com", "MKCDREC_DB_2_20261126")]
    [InlineData("Mixed.Case", "MKCDREC_MIXED_20261126")]
    [InlineData("-.-", "MKCDREC_HOST_20261126")]
    [InlineData("a-very-long-host-name-indeed", "MKCDREC_A_VERY_LONG_HOS_20261126")]
    public void Single_medium_labels_name_host_and_date(string host, string expected)
    {
        var l = MediumLabel.Make(host, Day);
        Assert.Equal(expected, l);
        Assert.True(MediumLabel.IsValid(l));
    }

    [Fact]
    public void Members_of_a_set_share_one_prefix_and_stay_within_32_characters()
    {
        foreach (var count in new[] { 2, 9, 10, 123 })
        {
            var labels = Enumerable.Range(1, count).Select(i => MediumLabel.Make("a-very-long-host-name-indeed", Day, i, count)).ToList();
            Assert.All(labels, l => Assert.True(l.Length <= 32 && MediumLabel.IsValid(l), l));
            var prefixes = labels.Select(l => l[..l.LastIndexOf('_')]).Distinct().ToList();
            Assert.Single(prefixes);
            Assert.EndsWith("_20261126", prefixes[0], StringComparison.Ordinal);
            Assert.Equal(count, labels.Distinct().Count());
            Assert.EndsWith("_" + count, labels[^1], StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("MKCDREC_X_1", true)]
    [InlineData("lower", false)]
    [InlineData("WITH SPACE", false)]
    [InlineData("", false)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", false)] // 33
    public void Validity(string label, bool valid) => Assert.Equal(valid, MediumLabel.IsValid(label));

    [Fact]
    public void A_user_label_gets_member_suffixes_shortened_to_fit()
    {
        Assert.Equal("MYLABEL", MediumLabel.Member("MYLABEL", 1, 1));
        Assert.Equal("MYLABEL_2", MediumLabel.Member("MYLABEL", 2, 3));
        var l = MediumLabel.Member(new string('A', 32), 12, 12);
        Assert.Equal(32, l.Length);
        Assert.EndsWith("_12", l, StringComparison.Ordinal);
    }
}

public class BootMenuTests
{
    [Fact]
    public void The_iso_grub_config_finds_the_medium_and_has_both_entries_rescue_first()
    {
        var cfg = BootMenu.GrubConfig(new BootMenuOptions { MediumLabel = "MKCDREC_WEB01_20261126", TimeoutSeconds = 3 });
        Assert.Contains("serial --unit=0 --speed=115200", cfg, StringComparison.Ordinal);
        Assert.Contains("terminal_input console serial", cfg, StringComparison.Ordinal);
        Assert.Contains("terminal_output console serial", cfg, StringComparison.Ordinal);
        Assert.Contains("set timeout=3", cfg, StringComparison.Ordinal);
        Assert.Contains("set default=0", cfg, StringComparison.Ordinal);
        Assert.Contains("search --no-floppy --label --set=root MKCDREC_WEB01_20261126", cfg, StringComparison.Ordinal);
        var rescue = cfg.IndexOf("menuentry \"mkcdrec rescue\"", StringComparison.Ordinal);
        var auto = cfg.IndexOf("menuentry \"mkcdrec automatic recovery\"", StringComparison.Ordinal);
        Assert.True(rescue > 0 && auto > rescue);
        var lines = cfg.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("linux ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["linux /boot/vmlinuz mkcdrec.medium=MKCDREC_WEB01_20261126 console=tty0 console=ttyS0,115200",
             "linux /boot/vmlinuz mkcdrec.medium=MKCDREC_WEB01_20261126 mkcdrec.auto=recover console=tty0 console=ttyS0,115200"], lines);
        Assert.Equal(2, cfg.Split('\n').Count(l => l.Trim() == "initrd /boot/initrd.img"));
    }

    [Fact]
    public void The_embedded_config_searches_the_label_and_sets_the_prefix()
    {
        Assert.Equal("search --no-floppy --label --set=root MKCDREC_A_20261126\nset prefix=($root)/boot/grub\n",
            BootMenu.EmbeddedConfig("MKCDREC_A_20261126"));
        Assert.Throws<MkcdrecException>(() => BootMenu.EmbeddedConfig("bad label; rm"));
    }

    [Fact]
    public void Netboot_configs_pass_the_backup_url_and_no_medium()
    {
        var o = new BootMenuOptions { BackupUrl = "http://10.0.2.2:8000/backup/", KernelPath = "/vmlinuz", InitrdPath = "/initrd.img", TimeoutSeconds = 4 };
        var grub = BootMenu.GrubConfig(o, netboot: true);
        Assert.DoesNotContain("search", grub, StringComparison.Ordinal);
        Assert.Contains("linux /vmlinuz mkcdrec.backup=http://10.0.2.2:8000/backup/ console=tty0 console=ttyS0,115200\n", grub, StringComparison.Ordinal);
        Assert.Contains("mkcdrec.backup=http://10.0.2.2:8000/backup/ mkcdrec.auto=recover console=tty0", grub, StringComparison.Ordinal);

        var pxe = BootMenu.PxelinuxConfig(o);
        Assert.Equal("""
            # mkcdrec rescue system, netboot menu (written by mkcdrec; pxelinux/syslinux).
            SERIAL 0 115200
            DEFAULT rescue
            PROMPT 1
            TIMEOUT 40
            LABEL rescue
              MENU LABEL mkcdrec rescue
              KERNEL vmlinuz
              INITRD initrd.img
              APPEND mkcdrec.backup=http://10.0.2.2:8000/backup/ console=tty0 console=ttyS0,115200
            LABEL auto
              MENU LABEL mkcdrec automatic recovery
              KERNEL vmlinuz
              INITRD initrd.img
              APPEND mkcdrec.backup=http://10.0.2.2:8000/backup/ mkcdrec.auto=recover console=tty0 console=ttyS0,115200

            """.Replace("\r", "", StringComparison.Ordinal), pxe);
    }

    [Fact]
    public void A_url_with_shell_or_space_characters_is_refused()
    {
        var e = Assert.Throws<MkcdrecException>(() => BootMenu.PxelinuxConfig(new BootMenuOptions { BackupUrl = "http://x/a b" }));
        Assert.Equal(ExitCode.Usage, e.Code);
    }
}
