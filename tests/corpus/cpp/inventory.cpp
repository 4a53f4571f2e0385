// Warehouse inventory: items, reservations and a nightly export.
#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

class Supplier {
public:
    explicit Supplier(std::string name) : name_(std::move(name)) {}
    const std::string& name() const { return name_; }
    int lead_days() const { return lead_days_; }

private:
    std::string name_;
    int lead_days_ = 3;
};

class Item {
public:
    Item(std::string sku, int qty) : sku_(std::move(sku)), qty_(qty) {}
    Item(Item&& other) noexcept = default;
    Item& operator=(Item&& other) noexcept = default;

    void swap(Item& other) {  // expect: cpp/noexcept-swap
        std::swap(sku_, other.sku_);
        std::swap(qty_, other.qty_);
    }

    const std::string& sku() const { return sku_; }
    int qty() const { return qty_; }
    void take(int n) { qty_ -= n; }

private:
    std::string sku_;
    int qty_;
};

class Inventory {
public:
    bool is_blocked(const std::string& sku) const {
        return std::find(blocked_.begin(), blocked_.end(), sku) != blocked_.end();  // expect: cpp/inefficient-algorithm
    }

    bool is_known(const std::string& sku) const { return known_.count(sku) > 0; }

    void add(Item item) {
        std::lock_guard<std::mutex> lock(mu_);
        known_.insert(item.sku());
        items_.push_back(std::move(item));
    }

    int lead_time(std::shared_ptr<Supplier> supplier) const {  // expect: cpp/shared-ptr-by-value
        return supplier ? supplier->lead_days() : 0;
    }

    void attach(std::shared_ptr<Supplier> supplier) { suppliers_.push_back(std::move(supplier)); }

    bool reserve(const std::string& sku, int n) {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& item : items_) {
            if (item.sku() == sku && item.qty() >= n) {
                item.take(n);
                return true;
            }
        }
        return false;
    }

    std::string export_csv(const std::string& separator) const {
        std::ostringstream out;
        for (const auto& item : items_) {
            out << item.sku() << separator << item.qty() << '\n';
        }
        const std::string text = out.str();
        return text;  // expect: cpp/no-automatic-move
    }

    void archive(std::vector<std::string>& sink) const {
        const std::string header = "sku,qty";
        sink.push_back(std::move(header));  // expect: cpp/move-const-arg
        std::string body = export_csv(",");
        sink.push_back(std::move(body));
    }

    void for_each(const std::function<void(const Item&)>& visit) const {
        for (const auto& item : items_) {
            visit(item);
        }
    }

    std::vector<std::string> skus_matching(std::function<bool(const std::string&)> pred) const {  // expect: cpp/unnecessary-value-param
        std::vector<std::string> out;
        for (const auto& item : items_) {
            if (pred(item.sku())) {
                out.push_back(item.sku());
            }
        }
        return out;
    }

private:
    mutable std::mutex mu_;
    std::vector<Item> items_;
    std::set<std::string> blocked_;
    std::unordered_set<std::string> known_;
    std::vector<std::shared_ptr<Supplier>> suppliers_;
};

void swap(Item& a, Item& b) noexcept { a.swap(b); }
