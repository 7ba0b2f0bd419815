using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;

namespace Embedded.Server.Tests;

public sealed class MapClusterApiTests
{
    [Fact]
    public async Task Without_a_cluster_it_says_to_add_one()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();
        var map = () => app.MapClusterApi();
        map.Should().Throw<InvalidOperationException>().WithMessage("*AddClusterOrchestration*");
    }

    [Fact]
    public async Task Bad_options_are_refused_when_mapping()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddClusterOrchestration();
        await using var app = builder.Build();
        var map = () => app.MapClusterApi(o => o.SubscriberBufferEvents = 0);
        map.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*SubscriberBufferEvents*");
    }
}
