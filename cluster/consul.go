package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/tern-db/tern/proto/errs"
)

// consulClient connects to the Consul agent at addr (host:port of its HTTP API).
func consulClient(addr string) (*api.Client, error) {
	cfg := api.DefaultConfig()
	if addr != "" {
		cfg.Address = addr
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "consul %s: %v", addr, err)
	}
	return c, nil
}

// ConsulWatch is the membership of the healthy "tern-node" instances, kept current by one
// goroutine making blocking queries (Consul answers when the set changes or after WaitTime),
// so a node that fails its check leaves the list within its TTL and one that recovers
// comes back without polling. It stops when the context given to WatchConsul ends.
type ConsulWatch struct {
	set
	client *api.Client
	log    *slog.Logger
	ready  chan struct{}
	done   chan struct{}
}

// WaitTime bounds one blocking query.
const consulWait = 5 * time.Minute

// WatchConsul starts watching. It waits (up to 10 s or ctx) for the first answer, so a
// gateway starts with the nodes already known; an unreachable agent is not fatal: the list
// stays empty, Why names the error, and the watch keeps retrying with backoff.
func WatchConsul(ctx context.Context, addr string, log *slog.Logger) (*ConsulWatch, error) {
	c, err := consulClient(addr)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	w := &ConsulWatch{client: c, log: log, ready: make(chan struct{}), done: make(chan struct{})}
	w.why = "no answer from consul at " + addr + " yet"
	go w.run(ctx, addr)
	select {
	case <-w.ready:
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	return w, nil
}

// Done is closed when the watch has stopped.
func (w *ConsulWatch) Done() <-chan struct{} { return w.done }

func (w *ConsulWatch) run(ctx context.Context, addr string) {
	defer close(w.done)
	var index uint64
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		q := (&api.QueryOptions{WaitIndex: index, WaitTime: consulWait}).WithContext(ctx)
		entries, meta, err := w.client.Health().Service(ServiceName, "", true, q)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if w.update(nil, fmt.Sprintf("consul at %s: %v", addr, err)) || first {
				w.log.Warn("consul watch failed", "consul", addr, "err", err)
			}
			if first {
				first = false
				close(w.ready)
			}
			index = 0
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		// Consul may return the same index, or a smaller one after a restart: start over.
		if meta.LastIndex < index {
			index = 0
		} else {
			index = meta.LastIndex
		}
		addrs := make([]string, 0, len(entries))
		for _, e := range entries {
			host := e.Service.Address
			if host == "" {
				host = e.Node.Address
			}
			addrs = append(addrs, net.JoinHostPort(host, strconv.Itoa(e.Service.Port)))
		}
		why := ""
		if len(addrs) == 0 {
			why = "consul at " + addr + " lists no healthy " + ServiceName + " instance"
		}
		if w.update(addrs, why) {
			w.log.Info("cluster nodes", "nodes", addrs)
		}
		if first {
			first = false
			close(w.ready)
		}
	}
}

// Registration is a node's entry in Consul.
type Registration struct {
	Consul    string        // agent HTTP address
	Advertise string        // host:port clients and gateways reach the node at
	TTL       time.Duration // health check TTL; the node passes it every TTL/3
}

// Register registers the node as an instance of "tern-node" with a TTL check and keeps the
// check passing until ctx ends; then (or on the returned stop) it deregisters. A node that
// dies without deregistering turns critical after TTL (gateways stop using it) and is
// removed after a minute critical.
func Register(ctx context.Context, r Registration, log *slog.Logger) (stop func(context.Context) error, err error) {
	c, err := consulClient(r.Consul)
	if err != nil {
		return nil, err
	}
	host, portS, err := net.SplitHostPort(r.Advertise)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "advertise address %q: %v", r.Advertise, err)
	}
	port, err := strconv.Atoi(portS)
	if err != nil || port <= 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "advertise address %q has no port", r.Advertise)
	}
	if r.TTL <= 0 {
		r.TTL = 10 * time.Second
	}
	id := ServiceName + "-" + r.Advertise
	checkID := "service:" + id
	reg := &api.AgentServiceRegistration{
		ID: id, Name: ServiceName, Address: host, Port: port,
		Check: &api.AgentServiceCheck{
			CheckID: checkID, TTL: r.TTL.String(), Status: api.HealthPassing,
			DeregisterCriticalServiceAfter: "1m",
		},
	}
	if err := c.Agent().ServiceRegisterOpts(reg, api.ServiceRegisterOpts{}.WithContext(ctx)); err != nil {
		return nil, errs.Errorf(errs.ErrSourceUnavailable, "registering in consul at %s: %v", r.Consul, err)
	}
	log.Info("registered in consul", "consul", r.Consul, "service", ServiceName, "id", id)
	hbCtx, cancel := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(r.TTL / 3)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
			}
			if err := c.Agent().UpdateTTLOpts(checkID, "serving", api.HealthPassing, (&api.QueryOptions{}).WithContext(hbCtx)); err != nil && hbCtx.Err() == nil {
				log.Warn("consul health check update failed", "err", err)
				// the agent may have lost us (restart): register again
				_ = c.Agent().ServiceRegisterOpts(reg, api.ServiceRegisterOpts{}.WithContext(hbCtx))
			}
		}
	}()
	return func(ctx context.Context) error {
		cancel()
		<-hbDone
		if err := c.Agent().ServiceDeregisterOpts(id, (&api.QueryOptions{}).WithContext(ctx)); err != nil {
			return errs.Errorf(errs.ErrSourceUnavailable, "deregistering from consul: %v", err)
		}
		log.Info("deregistered from consul", "id", id)
		return nil
	}, nil
}
