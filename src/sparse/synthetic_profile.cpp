#include "sparse/synthetic_profile.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace locus {
namespace {

// p_i = min(1, s (i+1)^-a) with s chosen (bisection) so that the mean is `active`.
std::vector<double> clipped_power_law(int64_t n, double a, double active) {
    std::vector<double> base(static_cast<size_t>(n)), p(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) base[size_t(i)] = std::pow(double(i + 1), -a);
    auto mean_for = [&](double s) {
        double sum = 0;
        for (double b : base) sum += std::min(1.0, s * b);
        return sum / double(n);
    };
    double lo = 0, hi = 1;
    while (mean_for(hi) < active) hi *= 2;
    for (int it = 0; it < 100; ++it) {
        const double mid = 0.5 * (lo + hi);
        (mean_for(mid) < active ? lo : hi) = mid;
    }
    for (int64_t i = 0; i < n; ++i) p[size_t(i)] = std::min(1.0, hi * base[size_t(i)]);
    return p;
}

double cover(const std::vector<double>& p, double share) {
    const size_t top = size_t(share * double(p.size()) + 0.5);
    double hot = 0, all = 0;
    for (size_t i = 0; i < p.size(); ++i) {
        all += p[i];
        if (i < top) hot += p[i];
    }
    return all > 0 ? hot / all : 0;
}

}  // namespace

double normal_quantile(double p) {
    double lo = -40, hi = 40;
    for (int it = 0; it < 200; ++it) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

Expected<std::vector<double>> power_law_profile(int64_t n, const ProfileShape& s) {
    if (n <= 0) return Status::error("profile: no neurons");
    if (!(s.active > 0 && s.active <= 1)) return Status::error(fmt::format("active fraction {} is not in (0, 1]", s.active));
    if (!(s.hot_share > 0 && s.hot_share < 1))
        return Status::error(fmt::format("hot share {} is not in (0, 1)", s.hot_share));
    if (!(s.hot_cover >= s.hot_share && s.hot_cover <= 1))
        return Status::error(fmt::format("the hottest {:.0f}% of neurons cannot cover {:.0f}% of firings (must be "
                                         "between {:.0f}% and 100%)",
                                         100 * s.hot_share, 100 * s.hot_cover, 100 * s.hot_share));
    // Coverage grows with the exponent (until the clip at 1 stops it); find the exponent by bisection.
    double lo = 0, hi = 8;
    if (cover(clipped_power_law(n, hi, s.active), s.hot_share) < s.hot_cover - 1e-3)
        return Status::error(fmt::format("with {:.0f}% of neurons active per token, the hottest {:.0f}% cannot cover "
                                         "{:.0f}% of firings",
                                         100 * s.active, 100 * s.hot_share, 100 * s.hot_cover));
    for (int it = 0; it < 60; ++it) {
        const double mid = 0.5 * (lo + hi);
        (cover(clipped_power_law(n, mid, s.active), s.hot_share) < s.hot_cover ? lo : hi) = mid;
    }
    return clipped_power_law(n, 0.5 * (lo + hi), s.active);
}

}  // namespace locus
