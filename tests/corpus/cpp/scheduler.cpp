// A cooperative job scheduler with a tiny config reader. Mostly idiomatic code: the
// near-misses below must stay quiet.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#define LOG_LINE(msg) std::clog << (msg) << std::endl

enum class Priority : std::uint8_t { Low, Normal, High };

enum LargeCodes { kFirst = 1000, kLast = 70000 };

struct Task {
    std::string name;
    Priority priority;
    std::function<void()> run;
    Task(std::string n, Priority p, std::function<void()> r)
        : name(std::move(n)), priority(p), run(std::move(r)) {}
};

class Scheduler {
public:
    void submit(std::string name, std::function<void()> fn) {
        queue_.push_back(Task(std::move(name), Priority::Normal, std::move(fn)));  // expect: cpp/use-emplace
    }

    void submit_urgent(Task task) { queue_.push_front(std::move(task)); }

    std::size_t run_all() {
        std::size_t done = 0;
        while (!queue_.empty()) {
            Task task = std::move(queue_.front());
            queue_.pop_front();
            task.run();
            history_ = history_ + task.name + ";";  // expect: cpp/inefficient-string-concatenation
            done = done + 1;
        }
        return done;
    }

    const std::string& history() const { return history_; }

private:
    std::deque<Task> queue_;
    std::string history_;
};

std::map<std::string, std::string> read_config(const std::vector<std::string>& lines) {
    std::map<std::string, std::string> config;
    for (const auto& line : lines) {
        if (line.empty() || line.find("//") == 0) {
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        config[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (config.find("x") != config.end()) {
        LOG_LINE("x is set; see std::endl docs");
    }
    return config;
}

std::vector<double> backoff_delays(int attempts, double base) {
    std::vector<double> delays;
    delays.reserve(attempts);
    for (int i = 0; i < attempts; ++i) {
        delays.push_back(base * std::pow(2.0, i));
    }
    return delays;
}

float jitter(float spread) {
    const float half = spread / 2.0f;
    return std::sqrt(half);
}

int retry_budget(const std::map<std::string, std::string>& config) {
    const int fallback = 3;
    auto it = config.find("retries");
    if (it == config.end() || it->second.size() == 1) {
        return fallback;
    }
    return std::stoi(it->second);
}

std::string banner(std::string title) {
    title += " (scheduler)";
    return title;
}

// A known blind spot: the element type hides behind an alias, so the copy is not seen.
using NameList = std::vector<std::string>;

std::size_t total_length(const NameList& names) {
    std::size_t n = 0;
    for (auto name : names) {  // expect: cpp/for-range-copy
        n += name.size();
    }
    return n;
}

int main() {
    Scheduler s;
    s.submit("hello", [] { std::cout << "hello\n"; });
    s.submit_urgent(Task("urgent", Priority::High, [] {}));
    const auto n = s.run_all();
    std::vector<std::string> lines = {"retries=5", "// comment"};
    auto config = read_config(lines);
    std::cout << banner("done") << ' ' << n << ' ' << retry_budget(config) << '\n';
    std::cout << jitter(1.5f) << '\n';
    return 0;
}
