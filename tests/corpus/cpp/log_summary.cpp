// Reads an access log and prints per-endpoint counts and the slowest requests.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

struct Request {
    std::string method;
    std::string path;
    int status = 0;
    double millis = 0.0;
};

enum class Verdict { Ok, Slow, Failed };  // expect: cpp/enum-size

static bool parse_line(const std::string& line, Request& out) {
    auto first = line.find(' ');
    auto second = line.find(" ", first + 1);  // expect: cpp/faster-string-find
    if (first == std::string::npos || second == std::string::npos) {
        return false;
    }
    out.method = line.substr(0, first);
    out.path = line.substr(first + 1, second - first - 1);
    auto rest = line.substr(second + 1);
    auto colon = rest.find(":");  // expect: cpp/faster-string-find
    if (colon == std::string::npos) {
        return false;
    }
    out.status = std::stoi(rest.substr(0, colon));
    out.millis = std::stod(rest.substr(colon + 1));
    return true;
}

static Verdict classify(const Request& r, double slow_ms) {
    if (r.status >= 500) {
        return Verdict::Failed;
    }
    return r.millis > slow_ms ? Verdict::Slow : Verdict::Ok;
}

static std::string endpoint_key(std::string method, const std::string& path) {  // expect: cpp/unnecessary-value-param
    auto query = path.find('?');
    return method + " " + path.substr(0, query);
}

static std::string normalise(std::string path) {
    std::transform(path.begin(), path.end(), path.begin(), ::tolower);
    return path;
}

std::vector<Request> load(const std::string& file) {
    std::ifstream in(file);
    std::vector<Request> requests;
    std::string line;
    while (std::getline(in, line)) {
        Request r;
        if (parse_line(line, r)) {
            r.path = normalise(r.path);
            requests.push_back(std::move(r));
        }
    }
    return requests;
}

void report(const std::vector<Request>& requests, double slow_ms) {
    std::unordered_map<std::string, int> per_endpoint;
    std::vector<std::string> slow;
    for (Request r : requests) {  // expect: cpp/for-range-copy
        per_endpoint[endpoint_key(r.method, r.path)]++;
        if (classify(r, slow_ms) == Verdict::Slow) {
            slow.push_back(r.path);
        }
    }
    if (slow.size() == 0) {  // expect: cpp/container-size-empty
        std::cout << "no slow requests\n";
    }
    std::string line;
    for (const auto& [key, count] : per_endpoint) {
        line = line + key + "=" + std::to_string(count) + " ";  // expect: cpp/inefficient-string-concatenation
    }
    std::cout << line << std::endl;  // expect: cpp/avoid-endl
    for (const auto& path : slow) {
        std::cout << "slow: " << path << '\n';
    }
}

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: log_summary FILE\n";
        return 2;
    }
    const auto requests = load(argv[1]);
    report(requests, 250.0);
    return 0;
}
