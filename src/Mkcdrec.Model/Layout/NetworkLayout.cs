namespace Mkcdrec.Model.Layout;

public sealed class NetworkInfo
{
    public string Hostname { get; set; } = "";

    public List<NetworkInterface> Interfaces { get; set; } = [];

    public List<NetworkRoute> Routes { get; set; } = [];

    public List<string> Nameservers { get; set; } = [];

    public List<string> SearchDomains { get; set; } = [];
}

public sealed class NetworkInterface
{
    public string Name { get; set; } = "";

    public string? Mac { get; set; }

    public string? Driver { get; set; }

    public int? Mtu { get; set; }

    public string? State { get; set; }

    /// <summary>Addresses in CIDR form.</summary>
    public List<string> Addresses { get; set; } = [];

    public bool Dhcp { get; set; }
}

public sealed class NetworkRoute
{
    public string Destination { get; set; } = "";

    public string? Gateway { get; set; }

    public string? Device { get; set; }

    public int? Metric { get; set; }
}
