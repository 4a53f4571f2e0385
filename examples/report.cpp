// A small sales report writer with the kind of costs a review finds.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

enum class Region { North, South, East, West };

struct Sale {
    std::string customer;
    Region region;
    float amount;
};

static bool is_vip(const std::set<std::string>& vips, const std::string& name) {
    return std::find(vips.begin(), vips.end(), name) != vips.end();
}

static std::string label(const std::string& customer) {
    auto at = customer.find("@");
    return at == std::string::npos ? customer : customer.substr(0, at);
}

std::vector<float> scaled(const std::vector<Sale>& sales, float factor) {
    std::vector<float> out;
    for (std::size_t i = 0; i < sales.size(); ++i) {
        out.push_back(sales[i].amount * factor);
    }
    return out;
}

float spread(const std::vector<float>& values) {
    float sum = 0.0f;
    for (float v : values) {
        sum += v * v;
    }
    return ::sqrt(sum);
}

void print_report(const std::vector<Sale>& sales, const std::set<std::string>& vips) {
    std::map<std::string, float> totals;
    for (Sale s : sales) {
        totals[label(s.customer)] += s.amount;
    }
    std::string vip_line;
    for (const auto& [name, total] : totals) {
        if (is_vip(vips, name)) {
            vip_line = vip_line + name + " ";
        }
        std::cout << name << ": " << total << std::endl;
    }
    if (vip_line.size() == 0) {
        std::cout << "no VIP sales\n";
    }
    std::cout << "spread " << spread(scaled(sales, 0.01f)) << '\n';
}
