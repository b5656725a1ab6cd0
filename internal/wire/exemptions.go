package wire

import (
	"context"
	"fmt"
	"time"

	"lastactive/bot"
	"lastactive/internal/state"
)

// ExemptionStore keeps the exempt command's exemptions in the store.
// While the store is down every call fails with bot.ErrAuditUnavailable; a
// statement the database refused for its data (refusedStatement: a NUL in
// the reason on PostgreSQL) with bot.ErrExemptionRefused, the store up.
type ExemptionStore struct{ D *Durable }

var _ bot.ExemptionStore = ExemptionStore{}

func (x ExemptionStore) store() (*state.Store, error) {
	s := x.D.Store()
	if s == nil {
		return nil, bot.ErrAuditUnavailable
	}
	return s, nil
}

// PutExemption implements bot.ExemptionStore.
func (x ExemptionStore) PutExemption(ctx context.Context, e bot.Exemption) error {
	s, err := x.store()
	if err != nil {
		return err
	}
	err = s.PutExemption(ctx, state.Exemption{Email: e.Email, Product: e.Product, Until: e.Until, Reason: e.Reason, By: e.By, Created: e.Created})
	return x.observed(err)
}

// Exemptions implements bot.ExemptionStore.
func (x ExemptionStore) Exemptions(ctx context.Context, at time.Time) ([]bot.Exemption, error) {
	s, err := x.store()
	if err != nil {
		return nil, err
	}
	list, err := s.Exemptions(ctx, at)
	if err != nil {
		return nil, x.observed(err)
	}
	out := make([]bot.Exemption, len(list))
	for i, e := range list {
		out[i] = bot.Exemption{Email: e.Email, Product: e.Product, Until: e.Until, Reason: e.Reason, By: e.By, Created: e.Created}
	}
	return out, nil
}

// RemoveExemption implements bot.ExemptionStore.
func (x ExemptionStore) RemoveExemption(ctx context.Context, email, product string) (bool, error) {
	s, err := x.store()
	if err != nil {
		return false, err
	}
	ok, err := s.RemoveExemption(ctx, email, product)
	return ok, x.observed(err)
}

func (x ExemptionStore) observed(err error) error {
	if err == nil {
		return nil
	}
	x.D.observe(err)
	if refusedStatement(err) {
		// The database answered and stays up: "the audit trail is
		// unavailable, try again later" was wrong on both counts
		// (TestPostgresExemptionRefusedForItsTextSaysSo).
		return fmt.Errorf("%w: %w", bot.ErrExemptionRefused, err)
	}
	return fmt.Errorf("%w: %w", bot.ErrAuditUnavailable, err)
}
