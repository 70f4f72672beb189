using System.Text;
using Mkcdrec.Core.Boot.Efi;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Boot.Efi;

/// <summary>Which EFI boot entry started the system, from efivarfs files as the kernel shows them (4 bytes of attributes first).</summary>
public sealed class EfiBootVariablesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("efivars-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Vars => Path.Combine(_root, "sys/firmware/efi/efivars");

    private void Write(string name, params byte[][] parts)
    {
        Directory.CreateDirectory(Vars);
        File.WriteAllBytes(Path.Combine(Vars, $"{name}-{EfiBootVariables.GlobalGuid}"), parts.SelectMany(p => p).ToArray());
    }

    private static readonly byte[] Attributes = [0x07, 0x00, 0x00, 0x00];

    private static byte[] LoadOption(string description) =>
        [0x01, 0x00, 0x00, 0x00, 0x04, 0x00, .. Encoding.Unicode.GetBytes(description), 0x00, 0x00, 0x7f, 0xff, 0x04, 0x00];

    [Fact]
    public void Names_the_current_entry_and_its_description()
    {
        Write("BootCurrent", Attributes, [0x04, 0x00]);
        Write("Boot0004", Attributes, LoadOption("debian"));
        Assert.Equal("Boot0004 debian", EfiBootVariables.Current(new SystemFiles(_root)));
    }

    [Fact]
    public void An_entry_number_is_four_hex_digits()
    {
        Write("BootCurrent", Attributes, [0x0a, 0x01]);
        Write("Boot010A", Attributes, LoadOption("UEFI Misc Device"));
        Assert.Equal("Boot010A UEFI Misc Device", EfiBootVariables.Current(new SystemFiles(_root)));
    }

    [Fact]
    public void Without_the_entry_only_its_name_and_without_variables_nothing()
    {
        Assert.Null(EfiBootVariables.Current(new SystemFiles(_root)));
        Write("BootCurrent", Attributes, [0x02, 0x00]);
        Assert.Equal("Boot0002", EfiBootVariables.Current(new SystemFiles(_root)));
        Assert.Equal("", EfiBootVariables.Description([0x01, 0x00, 0x00]));
    }

    [Fact]
    public void Lists_every_boot_entry_with_its_description_and_nothing_else()
    {
        Write("Boot0001", Attributes, LoadOption("UEFI QEMU HARDDISK QM00001"));
        Write("Boot0004", Attributes, LoadOption("debian"));
        Write("BootOrder", Attributes, [0x04, 0x00, 0x01, 0x00]);
        Write("BootCurrent", Attributes, [0x04, 0x00]);
        File.WriteAllBytes(Path.Combine(Vars, "Boot0002-00000000-0000-0000-0000-000000000000"), [.. Attributes, .. LoadOption("other vendor")]);
        Assert.Equal([("Boot0001", "UEFI QEMU HARDDISK QM00001"), ("Boot0004", "debian")], EfiBootVariables.Entries(new SystemFiles(_root)));
    }

    [Fact]
    public void Secure_boot_is_the_byte_after_the_attributes_and_unknown_without_the_variable()
    {
        Assert.Null(EfiBootVariables.SecureBoot(new SystemFiles(_root)));
        Write("SecureBoot", [0x06, 0x00, 0x00, 0x00], [0x01]);
        Assert.True(EfiBootVariables.SecureBoot(new SystemFiles(_root)));
        Write("SecureBoot", [0x06, 0x00, 0x00, 0x00], [0x00]);
        Assert.False(EfiBootVariables.SecureBoot(new SystemFiles(_root)));
        Write("SecureBoot", [0x06, 0x00, 0x00, 0x00]); // cut short: not a value
        Assert.Null(EfiBootVariables.SecureBoot(new SystemFiles(_root)));
    }
}
